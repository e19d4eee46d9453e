[assembly: AssemblyFixture(typeof(RuralLoans.Testing.DevServicesFixture))]
// One collection: the API tests compare inventories of the shared documents container, so no other test may upload meanwhile.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
