using Azure;
using Azure.Data.Tables;
using RuralLoans.Testing;

namespace RuralLoans.DevServices.Tests;

public sealed class TableContractTests(DevServicesFixture services)
{
    [Fact]
    public async Task Updating_an_entity_with_a_stale_etag_is_rejected_with_412()
    {
        var ct = TestContext.Current.CancellationToken;
        var table = services.CreateTableServiceClient().GetTableClient(UniqueNames.Table("etag"));
        await table.CreateAsync(ct);
        var entity = new TableEntity("loan-7", "state") { ["Status"] = "APPROVED" };
        await table.AddEntityAsync(entity, ct);
        var read = (await table.GetEntityAsync<TableEntity>("loan-7", "state", cancellationToken: ct)).Value;

        read["Status"] = "DISBURSING";
        await table.UpdateEntityAsync(read, read.ETag, TableUpdateMode.Replace, ct);
        read["Status"] = "DISBURSING-AGAIN";
        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateEntityAsync(read, read.ETag, TableUpdateMode.Replace, ct));

        Assert.Equal(412, stale.Status);
        Assert.Equal("DISBURSING", (await table.GetEntityAsync<TableEntity>("loan-7", "state", cancellationToken: ct)).Value["Status"]);
    }
}
