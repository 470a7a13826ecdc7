using ToyPy.Cli;

return CommandLine.Execute(args);
