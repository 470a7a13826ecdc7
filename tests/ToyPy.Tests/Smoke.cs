namespace ToyPy.Tests; public class Smoke { [Xunit.Fact] public void Ok() {} }
