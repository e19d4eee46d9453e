[assembly: AssemblyFixture(typeof(RuralLoans.Testing.DevServicesFixture))]
