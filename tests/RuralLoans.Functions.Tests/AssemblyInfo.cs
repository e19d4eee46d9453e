[assembly: AssemblyFixture(typeof(RuralLoans.Functions.Tests.PublishedFunctionApp))]
