using RuralLoans.Testing;

[assembly: AssemblyFixture(typeof(DevServicesFixture))]
