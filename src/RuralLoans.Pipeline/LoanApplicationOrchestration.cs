using Microsoft.DurableTask;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.Scoring;
using RuralLoans.Pipeline.Steps;

namespace RuralLoans.Pipeline;

/// <summary>
/// The business process of one loan application, as the Durable Task engine replays it — the one definition both the
/// Function App and the local task hub run. Only deterministic context APIs are used here; every read of the outside
/// world happens in a step. Inputs, results and status carry ids, rounds and decisions: personal data stays in Cosmos.
/// </summary>
public static class LoanApplicationOrchestration
{
    public const string Name = "LoanApplication";

    public static class Events
    {
        public const string FieldsCorrected = "FieldsCorrected";
        public const string PreCheckDecided = "PreCheckDecided";
        public const string ReviewDecided = "ReviewDecided";
        public const string HumanReviewRequested = "HumanReviewRequested";
        public const string ContractAccepted = "ContractAccepted";
    }

    /// <summary>Starts the status detail of a review the borrower asked for, so a second request can be told apart.</summary>
    public const string ReviewRequestedDetail = "借款人申请人工复核 / the borrower asked for human review";

    private static readonly TaskOptions StepRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1)));

    public static async Task<ApplicationOutcome> RunAsync(TaskOrchestrationContext context, ApplicationStarted? started)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(started);
        var id = started.ApplicationId;
        var product = started.Product;

        // Step 1: read the form, then keep asking the partner for corrections until every field is valid.
        Report(context, ApplicationStage.ReadingDocument, "正在识别申请表 / reading the form");
        await context.CallActivityAsync<DocumentOcr.Output>(DocumentOcr.Name, new DocumentOcr.Input(id, started.Document), StepRetry);
        var validation = await context.CallActivityAsync<FieldValidation.Output>(FieldValidation.Name, new FieldValidation.Input(id, 0, started.SubmittedAt), StepRetry);
        while (!validation.IsValid)
        {
            var deadline = context.CurrentUtcDateTime + product.CorrectionDeadline;
            Report(context, ApplicationStage.NeedsCorrection, "请合作机构更正字段 / waiting for the partner to correct fields", validation.Errors, deadline);
            FieldCorrection? correction;
            try
            {
                correction = await context.WaitForExternalEvent<FieldCorrection>(Events.FieldsCorrected, product.CorrectionDeadline);
            }
            catch (OperationCanceledException)
            {
                return Finish(context, new ApplicationOutcome(id, ApplicationStage.Expired, "更正期限已过 / correction deadline passed"));
            }
            validation = await context.CallActivityAsync<FieldValidation.Output>(FieldValidation.Name,
                new FieldValidation.Input(id, validation.Round + 1, started.SubmittedAt, correction.CorrectionId), StepRetry);
        }
        var round = validation.Round;

        // Step 2: a village partner who knows the household vouches for it, when the product asks for that.
        var preCheck = VillagePreCheckResult.Clean(0);
        var needsPerson = false;
        if (product.RequiresPreCheck)
        {
            var assignment = await context.CallActivityAsync<VillagePreCheck.Assignment>(VillagePreCheck.AssignName, new VillagePreCheck.AssignInput(id, round), StepRetry);
            if (assignment.VillagePartnerId is null)
            {
                // Nobody vouches for this village yet: not the household's fault, so a loan officer decides instead.
                needsPerson = true;
                preCheck = VillagePreCheck.ResultWithoutPartner(assignment);
            }
            else
            {
                var decision = await WaitForPreCheckAsync(context, id, product, assignment);
                if (decision is null)
                {
                    return Finish(context, new ApplicationOutcome(id, ApplicationStage.Expired, "村级合作方未在期限内完成预审 / the village pre-check deadline passed"));
                }
                var recorded = await context.CallActivityAsync<VillagePreCheck.Recorded>(VillagePreCheck.RecordName, new VillagePreCheck.RecordInput(id, assignment, decision), StepRetry);
                preCheck = recorded.Result;
            }
        }

        // Step 3: score, and let a person decide what the model refers.
        Report(context, ApplicationStage.Scoring, "正在评分 / scoring");
        var credit = await context.CallActivityAsync<CreditDecision>(DataScoring.Name, new DataScoring.Input(id, round, preCheck, product.MaxAmountYuan, started.SubmittedAt), StepRetry);
        var approved = credit.Outcome == DecisionOutcome.Approve;
        if (credit.Outcome == DecisionOutcome.ReferToHumanReview || (needsPerson && credit.Outcome == DecisionOutcome.Approve))
        {
            var deadline = context.CurrentUtcDateTime + product.HumanReviewDeadline;
            Report(context, ApplicationStage.AwaitingHumanReview, "转人工审核 / referred to a loan officer", waitingUntil: deadline);
            try
            {
                var review = await context.WaitForExternalEvent<ReviewDecision>(Events.ReviewDecided, product.HumanReviewDeadline);
                approved = review.Approved;
            }
            catch (OperationCanceledException)
            {
                return Finish(context, new ApplicationOutcome(id, ApplicationStage.Expired, "人工审核超时 / human review deadline passed", credit.Score, credit.Reasons));
            }
        }
        if (!approved && credit.Outcome == DecisionOutcome.Decline && product.OffersDeclineReview)
        {
            // PIPL Art. 24: a decline the model made alone may be put before a person, if the borrower asks in time.
            var request = await WaitForReviewRequestAsync(context, product.DeclineReviewWindow!.Value);
            if (request is null)
            {
                return Finish(context, new ApplicationOutcome(id, ApplicationStage.Declined, "未获批准，复核申请期已过 / declined; the review window closed", credit.Score, credit.Reasons));
            }
            var deadline = context.CurrentUtcDateTime + product.HumanReviewDeadline;
            Report(context, ApplicationStage.AwaitingHumanReview, ReviewRequestedDetail, waitingUntil: deadline);
            try
            {
                var review = await context.WaitForExternalEvent<ReviewDecision>(Events.ReviewDecided, product.HumanReviewDeadline);
                if (!review.Approved)
                {
                    return Finish(context, new ApplicationOutcome(id, ApplicationStage.Declined, $"人工复核后未获批准 / declined on human review by {review.OperatorId}",
                        credit.Score, credit.Reasons, ReviewedBy: review.OperatorId));
                }
                approved = true;
            }
            catch (OperationCanceledException)
            {
                return Finish(context, new ApplicationOutcome(id, ApplicationStage.Expired, "人工复核超时 / human review deadline passed", credit.Score, credit.Reasons));
            }
        }
        if (!approved)
        {
            return Finish(context, new ApplicationOutcome(id, ApplicationStage.Declined, "未获批准 / declined", credit.Score, credit.Reasons));
        }

        // Step 4: split the principal among the co-lenders within the regulatory limits.
        Report(context, ApplicationStage.Splitting, "正在分配联合贷款出资 / splitting among co-lenders");
        var split = await context.CallActivityAsync<CoLendingSplit.Output>(CoLendingSplit.Name, new CoLendingSplit.Input(id, started.PartnerId, product.Code, round, started.SubmittedAt), StepRetry);
        if (!split.Funded)
        {
            return Finish(context, new ApplicationOutcome(id, ApplicationStage.Declined, split.Reason, credit.Score, split.Reasons is { Count: > 0 } ? split.Reasons : credit.Reasons));
        }

        // Before money moves: the loan's terms within the law, and the borrower's acceptance of the printed contract.
        if (product.RequiresContract && await OfferContractAsync(context, started, round, split.Split!) is { } notAccepted)
        {
            return Finish(context, notAccepted with { Score = credit.Score, Reasons = notAccepted.Reasons ?? credit.Reasons });
        }

        // Step 5: pay out exactly once, follow the payout until the rail settles or fails it, and book only settled money.
        Report(context, ApplicationStage.Disbursing, "正在放款 / disbursing");
        var payoutInput = new Disbursement.Input(id, started.PartnerId, round, started.SubmittedAt, split.Split!);
        var payout = await context.CallActivityAsync<Disbursement.Output>(Disbursement.Name, payoutInput, StepRetry);
        payout = await FollowPayoutAsync(context, payoutInput, payout);
        if (payout.Progress == Disbursement.PayoutProgress.Failed)
        {
            return Finish(context, new ApplicationOutcome(id, ApplicationStage.PayoutFailed, $"放款失败 / payout failed: {payout.Reason}", credit.Score, credit.Reasons, split.Lenders, payout.DisbursementId));
        }
        var booked = await BookPayoutAsync(context, id, payout);
        return Finish(context, new ApplicationOutcome(id, ApplicationStage.Disbursed, "已放款 / disbursed", credit.Score, credit.Reasons, split.Lenders, booked.DisbursementId));
    }

    /// <summary>Waits for the village partner, sending one reminder before the deadline; null when the deadline passes.</summary>
    private static async Task<PreCheckDecision?> WaitForPreCheckAsync(TaskOrchestrationContext context, string id, Products.PipelineProduct product, VillagePreCheck.Assignment assignment)
    {
        var deadline = context.CurrentUtcDateTime + product.PreCheckDeadline;
        var beforeReminder = product.PreCheckDeadline - product.PreCheckReminderBefore;
        Report(context, ApplicationStage.AwaitingPreCheck, $"等待村级合作方 {assignment.VillagePartnerId} 预审 / waiting for village partner {assignment.VillagePartnerId}", waitingUntil: deadline);
        try
        {
            return await context.WaitForExternalEvent<PreCheckDecision>(Events.PreCheckDecided, beforeReminder);
        }
        catch (OperationCanceledException)
        {
            await context.CallActivityAsync<bool>(VillagePreCheck.RemindName, new VillagePreCheck.RemindInput(id, assignment, deadline), StepRetry);
        }
        try
        {
            return await context.WaitForExternalEvent<PreCheckDecision>(Events.PreCheckDecided, product.PreCheckReminderBefore);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// Offers the contract and waits for the borrower's acceptance of exactly that contract, sending one reminder before
    /// the deadline. Null once accepted; otherwise how the application ends (declined under lending law, or expired),
    /// after giving back the quota the split reserved.
    /// </summary>
    private static async Task<ApplicationOutcome?> OfferContractAsync(TaskOrchestrationContext context, ApplicationStarted started, int round, Domain.CoLending.FundSplit split)
    {
        var id = started.ApplicationId;
        var product = started.Product;
        var deadline = context.CurrentUtcDateTime + product.ContractAcceptanceDeadline!.Value;
        var offer = await context.CallActivityAsync<LoanContract.Offer>(LoanContract.OfferName,
            new LoanContract.OfferInput(id, started.PartnerId, product.Code, product.NameZh, round, started.SubmittedAt, split, context.CurrentUtcDateTime, deadline), StepRetry);
        if (!offer.Offered)
        {
            await context.CallActivityAsync<bool>(LoanContract.WithdrawName, new LoanContract.WithdrawInput(id, split, "declined"), StepRetry);
            return new ApplicationOutcome(id, ApplicationStage.Declined, offer.Summary, Reasons: offer.Reasons);
        }
        Report(context, ApplicationStage.AwaitingContract,
            $"等待借款人确认借款合同（年化利率 {Domain.Contracts.Rates.Percent(offer.AnnualizedRate)}，合同摘要 {offer.ContractSha256![..12]}） / waiting for the borrower to accept the contract", waitingUntil: deadline);
        var remindAt = deadline - (product.ContractReminderBefore ?? TimeSpan.Zero);
        var reminded = remindAt >= deadline;
        while (true)
        {
            var wait = (reminded ? deadline : remindAt) - context.CurrentUtcDateTime;
            try
            {
                if (wait <= TimeSpan.Zero)
                {
                    throw new OperationCanceledException();
                }
                var acceptance = await context.WaitForExternalEvent<ContractAccepted>(Events.ContractAccepted, wait);
                if (acceptance.ContractSha256 == offer.ContractSha256)
                {
                    await context.CallActivityAsync<LoanContract.Accepted>(LoanContract.AcceptName, new LoanContract.AcceptInput(id, offer.ContractSha256, acceptance), StepRetry);
                    return null;
                }
                // Accepting some other text accepts nothing: the actions refuse it before it gets here, and so does this.
            }
            catch (OperationCanceledException) when (!reminded)
            {
                reminded = true;
                await context.CallActivityAsync<bool>(LoanContract.RemindName, new LoanContract.RemindInput(id, started.PartnerId, null, deadline), StepRetry);
            }
            catch (OperationCanceledException)
            {
                await context.CallActivityAsync<bool>(LoanContract.WithdrawName, new LoanContract.WithdrawInput(id, split, "expired"), StepRetry);
                return new ApplicationOutcome(id, ApplicationStage.Expired, "借款人未在期限内确认合同 / the borrower did not accept the contract by the deadline");
            }
        }
    }

    /// <summary>Keeps an automated decline open for a review request; null when the window passes without one.</summary>
    private static async Task<HumanReviewRequest?> WaitForReviewRequestAsync(TaskOrchestrationContext context, TimeSpan window)
    {
        var until = context.CurrentUtcDateTime + window;
        Report(context, ApplicationStage.Declined, $"未获批准，可在 {until:yyyy-MM-dd HH:mm} UTC 前申请人工复核 / declined; human review may be requested until {until:u}", waitingUntil: until);
        try
        {
            return await context.WaitForExternalEvent<HumanReviewRequest>(Events.HumanReviewRequested, window);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static void Report(TaskOrchestrationContext context, ApplicationStage stage, string detail, IReadOnlyList<FieldError>? errors = null, DateTime? waitingUntil = null) =>
        context.SetCustomStatus(new ApplicationProgress(stage, ApplicationProgress.StepOf(stage), detail, errors, waitingUntil));

    private static ApplicationOutcome Finish(TaskOrchestrationContext context, ApplicationOutcome outcome)
    {
        Report(context, outcome.Stage, outcome.Summary);
        return outcome;
    }

    /// <summary>
    /// Asks the rail again, on a durable timer, while the payout is pending or processing. Past its deadline the status
    /// shows an operator task, and the asking goes on more slowly: whether the money left is the rail's to say, so no
    /// operator event can settle or fail a payout here (a payout the rail fails ends the wait by itself).
    /// </summary>
    private static async Task<Disbursement.Output> FollowPayoutAsync(TaskOrchestrationContext context, Disbursement.Input input, Disbursement.Output payout)
    {
        for (var check = 1; payout.Progress == Disbursement.PayoutProgress.InFlight; check++)
        {
            var overdue = payout.ConfirmBy is { } by && context.CurrentUtcDateTime >= by.UtcDateTime;
            Report(context, overdue ? ApplicationStage.PayoutUnconfirmed : ApplicationStage.Disbursing, overdue
                    ? $"运营待办：银行未在期限内确认放款 {payout.DisbursementId} / operator task: the rail has not confirmed payout {payout.DisbursementId} ({payout.Reason}); still asking"
                    : $"等待银行确认放款 / waiting for the rail to settle the payout ({payout.Reason})",
                waitingUntil: payout.ConfirmBy?.UtcDateTime);
            await context.CreateTimer(context.CurrentUtcDateTime + payout.RecheckAfter, CancellationToken.None);
            payout = await context.CallActivityAsync<Disbursement.Output>(Disbursement.CheckName, new Disbursement.CheckInput(input, check), StepRetry);
        }
        return payout;
    }

    /// <summary>
    /// The money has left: booking is retried until it succeeds, with growing pauses, never given up. The reconciliation
    /// sweep books the same payout meanwhile if it can; both writes are idempotent by the key.
    /// </summary>
    private static async Task<Disbursement.Output> BookPayoutAsync(TaskOrchestrationContext context, string id, Disbursement.Output payout)
    {
        var pause = payout.BookingRetry > TimeSpan.Zero ? payout.BookingRetry : TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                return await context.CallActivityAsync<Disbursement.Output>(Disbursement.BookName, new Disbursement.BookInput(id, payout.DisbursementId), StepRetry);
            }
            catch (TaskFailedException)
            {
                Report(context, ApplicationStage.Disbursing, $"已放款，入账重试中 / paid out; booking {payout.DisbursementId} is retried", waitingUntil: context.CurrentUtcDateTime + pause);
                await context.CreateTimer(context.CurrentUtcDateTime + pause, CancellationToken.None);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMinutes(30).Ticks));
            }
        }
    }
}
