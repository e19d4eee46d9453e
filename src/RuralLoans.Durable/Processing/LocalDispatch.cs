using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Processing;

/// <summary>
/// Lets the listener of this process take an activity work item the moment it is sent. The message is
/// sent hidden for the visibility timeout, so it is this host's lease from birth; the host runs it at once
/// and deletes it with the send receipt. If the host dies, the message surfaces and another host runs it.
/// </summary>
internal interface ILocalDispatch
{
    /// <summary>Reserves capacity for one activity; false when this host is busy (the item is then queued normally).</summary>
    bool TryReserve();

    /// <summary>Gives back a reservation that was not used.</summary>
    void Release();

    /// <summary>Runs a work item already sent hidden; the reservation is released when it finishes.</summary>
    void Run(LeasedWorkItem item);
}

/// <summary>A work item this host sent hidden and holds the lease of.</summary>
internal sealed record LeasedWorkItem(string MessageId, string PopReceipt, string Body);
