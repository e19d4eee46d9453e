using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using RuralLoans.Storage.Journal;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests.Audit;

/// <summary>The journal store on Azurite: idempotent, chained, safe with several hosts appending, and its own edits show.</summary>
public sealed class AuditJournalTests(DevServicesFixture services)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<BlobContainerClient> ContainerAsync()
    {
        var container = services.CreateBlobServiceClient().GetBlobContainerClient(UniqueNames.BlobContainer("journal"));
        await container.CreateIfNotExistsAsync(cancellationToken: Cancel);
        return container;
    }

    private static string Hash(string text) => CanonicalJson.Sha256(text);

    [Fact]
    public async Task A_fact_journaled_again_by_a_retried_step_is_not_appended_twice()
    {
        var container = await ContainerAsync();
        var first = new AuditJournal(container, "hub", TimeProvider.System);
        var fact = JournalFact.Activity("DataScoring", Hash("in"), Hash("out"));

        await first.AppendAsync("APP-1", [JournalFact.Start("LoanApplication", Hash("start")), fact], Cancel);
        await first.AppendAsync("APP-1", [fact], Cancel);
        // Another host, which has never seen this journal, retries the same step.
        await new AuditJournal(container, "hub", TimeProvider.System).AppendAsync("APP-1", [fact], Cancel);
        var read = await first.ReadAsync("APP-1", Cancel);

        Assert.True(read.ChainIntact, read.ChainProblem);
        Assert.Equal(["start", "activity"], read.Entries.Select(e => e.Kind));
        Assert.Equal(AuditJournal.Genesis, read.Entries[0].Previous);
        Assert.Equal(read.Entries[0].Hash, read.Entries[1].Previous);
    }

    [Fact]
    public async Task A_decision_keeps_the_hash_it_was_first_journaled_with()
    {
        var container = await ContainerAsync();
        var journal = new AuditJournal(container, "hub", TimeProvider.System);

        await journal.AppendAsync("APP-2", [JournalFact.Decision("APP-2:DataScoring", Hash("as written"))], Cancel);
        await journal.AppendAsync("APP-2", [JournalFact.Decision("APP-2:DataScoring", Hash("as edited later"))], Cancel);
        var read = await journal.ReadAsync("APP-2", Cancel);

        Assert.Equal(Hash("as written"), Assert.Single(read.Entries).ResultHash);
    }

    [Fact]
    public async Task Hosts_appending_to_one_journal_at_once_leave_one_unbroken_chain_with_every_fact()
    {
        var container = await ContainerAsync();
        var hosts = Enumerable.Range(0, 3).Select(_ => new AuditJournal(container, "hub", TimeProvider.System)).ToList();

        await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            hosts[i % hosts.Count].AppendAsync("APP-3", [JournalFact.Event("FieldsCorrected", Hash($"payload {i}"))], Cancel)));
        var read = await hosts[0].ReadAsync("APP-3", Cancel);

        Assert.True(read.ChainIntact, read.ChainProblem);
        Assert.Equal(30, read.Entries.Count);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), read.Entries.Select(e => e.Sequence));
        Assert.Equal(30, read.Entries.Select(e => e.InputHash).Distinct().Count());
    }

    [Fact]
    public async Task Facts_recorded_while_a_step_runs_are_journaled_before_its_result_and_kept_when_it_fails()
    {
        var container = await ContainerAsync();
        var journal = new AuditJournal(container, "hub", TimeProvider.System);

        var result = await journal.RecordingAsync("APP-4", async () =>
        {
            await journal.RecordAsync("APP-4", JournalFact.Decision("APP-4:DataScoring", Hash("decision")), Cancel);
            return 42;
        }, answer => [JournalFact.Activity("DataScoring", Hash("in"), Hash(answer.ToString(System.Globalization.CultureInfo.InvariantCulture)))], Cancel);
        await Assert.ThrowsAsync<InvalidOperationException>(() => journal.RecordingAsync<int>("APP-4", async () =>
        {
            await journal.RecordAsync("APP-4", JournalFact.Decision("APP-4:CoLendingSplit", Hash("split")), Cancel);
            throw new InvalidOperationException("the rail is down");
        }, _ => [JournalFact.Activity("CoLendingSplit", Hash("in"), Hash("never"))], Cancel));
        var read = await journal.ReadAsync("APP-4", Cancel);

        Assert.Equal(42, result);
        Assert.Equal(["decision APP-4:DataScoring", "activity DataScoring", "decision APP-4:CoLendingSplit"], read.Entries.Select(e => $"{e.Kind} {e.Name}"));
    }

    [Fact]
    public async Task A_journal_rewritten_in_storage_names_the_first_entry_that_no_longer_chains()
    {
        var container = await ContainerAsync();
        var journal = new AuditJournal(container, "hub", TimeProvider.System);
        await journal.AppendAsync("APP-5", [JournalFact.Start("LoanApplication", Hash("a")), JournalFact.Activity("DocumentOcr", Hash("b"), Hash("c")),
            JournalFact.Activity("FieldValidation", Hash("d"), Hash("e"))], Cancel);

        // Someone with account access replaces the blob with one whose second entry claims another result.
        var blob = container.GetAppendBlobClient("hub/APP-5");
        var text = (await blob.DownloadContentAsync(Cancel)).Value.Content.ToString();
        await blob.DeleteAsync(cancellationToken: Cancel);
        await blob.CreateAsync(cancellationToken: Cancel);
        using (var altered = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text.Replace(Hash("c"), Hash("forged"), StringComparison.Ordinal))))
        {
            await blob.AppendBlockAsync(altered, cancellationToken: Cancel);
        }
        var read = await new AuditJournal(container, "hub", TimeProvider.System).ReadAsync("APP-5", Cancel);

        Assert.False(read.ChainIntact);
        Assert.StartsWith("journal entry #1 (activity DocumentOcr) was altered", read.ChainProblem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_canonical_hash_ignores_member_order_whitespace_and_number_spelling_but_not_values()
    {
        Assert.Equal(CanonicalJson.Hash("""{"a":1.50,"b":[true,"x"]}"""), CanonicalJson.Hash("""{ "b": [ true, "x" ], "a": 1.5 }"""));
        Assert.NotEqual(CanonicalJson.Hash("""{"a":1.5}"""), CanonicalJson.Hash("""{"a":1.6}"""));
        Assert.NotEqual(CanonicalJson.Hash("""{"a":"1.5"}"""), CanonicalJson.Hash("""{"a":1.5}"""));
        Assert.Equal(CanonicalJson.AbsentHash, CanonicalJson.Hash(null));
    }
}
