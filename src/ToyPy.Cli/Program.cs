using ToyPy.Cli;

return CommandLine.Main(args);
