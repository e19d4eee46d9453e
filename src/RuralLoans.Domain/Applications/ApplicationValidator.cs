using System.Text.RegularExpressions;

namespace RuralLoans.Domain.Applications;

/// <summary>The outcome of validating a form: the typed application, or every field error found.</summary>
public sealed record ApplicationValidationResult(LoanApplication? Application, IReadOnlyList<FieldError> Errors)
{
    public bool IsValid => Application is not null;
}

/// <summary>
/// Checks a raw application form field by field and reports every problem at once, so a partner can fix
/// the whole form in one pass.
/// </summary>
public static partial class ApplicationValidator
{
    /// <summary>Anything this long is a paste accident or an attack, never a form value.</summary>
    public const int AbsoluteMaxFieldLength = 1_000;

    public static ApplicationValidationResult Validate(LoanApplicationForm form, DateOnly today, ApplicationLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(form);
        limits ??= ApplicationLimits.Default;
        var errors = new List<FieldError>();

        var name = FreeText(errors, "applicantName", "申请人姓名", "Applicant name", form.ApplicantName, limits.MaxNameLength);
        if (name is not null && !PersonNamePattern().IsMatch(name))
        {
            errors.Add(new("applicantName", "name.characters", "姓名只能包含汉字、字母和间隔号·", "The name may only contain Chinese characters, letters and the middle dot ·"));
            name = null;
        }

        ResidentIdNumber? id = null;
        if (Guard(errors, "idNumber", form.IdNumber))
        {
            if (ResidentIdNumber.TryParse(form.IdNumber, out var parsed, out var idError))
            {
                id = parsed;
            }
            else
            {
                errors.Add(idError!);
            }
        }

        string? phone = null;
        if (Guard(errors, "phone", form.Phone))
        {
            if (FieldNormalizers.TryNormalizeMobile(form.Phone, out var mobile))
            {
                phone = mobile;
            }
            else
            {
                errors.Add(new("phone", "phone.format", "手机号码应为11位，以13-19开头", "The mobile number must be 11 digits starting with 13-19"));
            }
        }

        var village = FreeText(errors, "village", "村", "Village", form.Village, limits.MaxPlaceLength);
        var township = FreeText(errors, "township", "乡镇", "Township", form.Township, limits.MaxPlaceLength);
        var county = FreeText(errors, "county", "县", "County", form.County, limits.MaxPlaceLength);

        int? householdSize = null;
        if (Guard(errors, "householdSize", form.HouseholdSize))
        {
            if (FieldNormalizers.TryNormalizeWholeNumber(form.HouseholdSize, out var size) && size >= 1 && size <= limits.MaxHouseholdSize)
            {
                householdSize = size;
            }
            else
            {
                errors.Add(new("householdSize", "household.range", $"家庭人口应为1至{limits.MaxHouseholdSize}人", $"Household size must be a whole number from 1 to {limits.MaxHouseholdSize}"));
            }
        }

        decimal? land = null;
        if (Guard(errors, "landAreaMu", form.LandAreaMu))
        {
            if (FieldNormalizers.TryNormalizeLandAreaMu(form.LandAreaMu, out var mu) && mu <= limits.MaxLandAreaMu)
            {
                land = mu;
            }
            else
            {
                errors.Add(new("landAreaMu", "land.range", $"土地面积应为0至{limits.MaxLandAreaMu}亩，最多两位小数", $"Land area must be 0 to {limits.MaxLandAreaMu} mu with at most two decimals"));
            }
        }

        FarmingProject? project = null;
        if (FreeText(errors, "farmingProject", "种养项目", "Farming project", form.FarmingProject, limits.MaxPlaceLength) is not null
            && FieldNormalizers.TryNormalizeFarmingProject(form.FarmingProject, out var farming))
        {
            project = farming;
        }

        decimal? amount = null;
        if (Guard(errors, "requestedAmountYuan", form.RequestedAmountYuan))
        {
            if (!FieldNormalizers.TryNormalizeAmountYuan(form.RequestedAmountYuan, out var yuan))
            {
                errors.Add(new("requestedAmountYuan", "amount.format", "借款金额格式无法识别（例：30000、30,000、3万），且最多精确到分", "The amount is not readable (e.g. 30000, 30,000, 3万) or is more precise than a fen"));
            }
            else if (yuan <= 0)
            {
                errors.Add(new("requestedAmountYuan", "amount.positive", "借款金额必须大于零", "The amount must be greater than zero"));
            }
            else if (yuan < limits.MinAmountYuan || yuan > limits.MaxAmountYuan)
            {
                errors.Add(new("requestedAmountYuan", "amount.range", $"借款金额应在{limits.MinAmountYuan:0}至{limits.MaxAmountYuan:0}元之间", $"The amount must be between ¥{limits.MinAmountYuan:0} and ¥{limits.MaxAmountYuan:0}"));
            }
            else
            {
                amount = yuan;
            }
        }

        int? term = null;
        if (Guard(errors, "termMonths", form.TermMonths))
        {
            if (FieldNormalizers.TryNormalizeWholeNumber(form.TermMonths, out var months) && months >= limits.MinTermMonths && months <= limits.MaxTermMonths)
            {
                term = months;
            }
            else
            {
                errors.Add(new("termMonths", "term.range", $"借款期限应为{limits.MinTermMonths}至{limits.MaxTermMonths}个月", $"The term must be {limits.MinTermMonths} to {limits.MaxTermMonths} months"));
            }
        }

        var purpose = FreeText(errors, "purpose", "借款用途", "Purpose", form.Purpose, limits.MaxPurposeLength);

        RepaymentMethod? method = null;
        if (Guard(errors, "repaymentMethod", form.RepaymentMethod))
        {
            if (FieldNormalizers.TryNormalizeRepaymentMethod(form.RepaymentMethod, out var parsedMethod))
            {
                method = parsedMethod;
            }
            else
            {
                errors.Add(new("repaymentMethod", "repayment.unknown", "还款方式应为：等额本息、等额本金、先息后本、按季结息或到期一次还本付息", "The repayment method must be equal instalment, equal principal, interest-then-bullet, quarterly interest or bullet"));
            }
        }

        string? partner = null;
        if (Guard(errors, "partnerCode", form.PartnerCode))
        {
            var code = TextNormalizer.Clean(form.PartnerCode).ToUpperInvariant();
            if (PartnerCodePattern().IsMatch(code))
            {
                partner = code;
            }
            else
            {
                errors.Add(new("partnerCode", "partner.format", "合作机构编码应为3-32位大写字母、数字或连字符", "The partner code must be 3-32 letters, digits or dashes"));
            }
        }

        DateOnly? applicationDate = null;
        if (Guard(errors, "applicationDate", form.ApplicationDate))
        {
            if (!FieldNormalizers.TryNormalizeDate(form.ApplicationDate, out var date))
            {
                errors.Add(new("applicationDate", "date.format", "申请日期格式无法识别（例：2024-03-15、2024/3/15、2024年3月15日）", "The application date is not readable (e.g. 2024-03-15, 2024/3/15, 2024年3月15日)"));
            }
            else if (date > today || date < today.AddDays(-limits.MaxApplicationAgeDays))
            {
                errors.Add(new("applicationDate", "date.range", "申请日期不能晚于今天，也不能早于一年前", "The application date cannot be in the future or more than a year ago"));
            }
            else
            {
                applicationDate = date;
            }
        }

        if (id is not null && applicationDate is { } onDate)
        {
            var age = id.AgeOn(onDate);
            if (id.BirthDate > onDate || age < limits.MinApplicantAge || age > limits.MaxApplicantAge)
            {
                errors.Add(new("idNumber", "id.age", $"按身份证出生日期，申请人年龄{age}岁不在{limits.MinApplicantAge}至{limits.MaxApplicantAge}岁的合理范围内", $"The ID's birth date makes the applicant {age}, outside the plausible {limits.MinApplicantAge}-{limits.MaxApplicantAge}"));
            }
        }

        if (errors.Count > 0)
        {
            return new ApplicationValidationResult(null, errors);
        }
        return new ApplicationValidationResult(
            new LoanApplication
            {
                ApplicantName = name!,
                IdNumber = id!,
                Phone = phone!,
                Village = village!,
                Township = township!,
                County = county!,
                HouseholdSize = householdSize!.Value,
                LandAreaMu = land!.Value,
                FarmingProject = project!.Value,
                RequestedAmountYuan = amount!.Value,
                TermMonths = term!.Value,
                Purpose = purpose!,
                RepaymentMethod = method!.Value,
                PartnerCode = partner!,
                ApplicationDate = applicationDate!.Value,
            },
            errors);
    }

    /// <summary>
    /// The checks every field gets before its own parsing: present, not absurdly long, no control characters
    /// and nothing that looks like markup, script, template or SQL injection.
    /// </summary>
    private static bool Guard(List<FieldError> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(field, "required", "此项为必填项", "This field is required"));
            return false;
        }
        if (value.Length > AbsoluteMaxFieldLength)
        {
            errors.Add(new(field, "too_long", $"内容过长（{value.Length}字），请检查是否误粘贴", $"The value is far too long ({value.Length} characters); was something pasted by mistake?"));
            return false;
        }
        if (value.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')) || InjectionPattern().IsMatch(value))
        {
            errors.Add(new(field, "unsafe_content", "内容包含不允许的符号或代码片段", "The value contains characters or code fragments that are not allowed"));
            return false;
        }
        return true;
    }

    private static string? FreeText(List<FieldError> errors, string field, string labelZh, string labelEn, string? value, int maxLength)
    {
        if (!Guard(errors, field, value))
        {
            return null;
        }
        var cleaned = TextNormalizer.Clean(value);
        if (cleaned.Length > maxLength)
        {
            errors.Add(new(field, "too_long", $"{labelZh}最多{maxLength}个字", $"{labelEn} may have at most {maxLength} characters"));
            return null;
        }
        if (FormulaStartPattern().IsMatch(cleaned))
        {
            errors.Add(new(field, "unsafe_content", $"{labelZh}不能以 = + - @ 开头", $"{labelEn} cannot start with = + - or @"));
            return null;
        }
        return cleaned;
    }

    [GeneratedRegex(@"^[\p{IsCJKUnifiedIdeographs}A-Za-z·•.\- ]{1,40}$")]
    private static partial Regex PersonNamePattern();

    [GeneratedRegex(@"^[A-Z0-9][A-Z0-9-]{2,31}$")]
    private static partial Regex PartnerCodePattern();

    // Markup, script URLs, template/expression syntax and SQL comment or statement chaining never occur in a real form value.
    [GeneratedRegex(@"<\s*/?\s*[a-z!]|javascript:|\$\{|\{\{|\{%|;\s*--|'\s*(or|and)\s+'?\d|\b(drop|delete|insert|update)\s+(table|from|into)\b|\bunion\s+select\b", RegexOptions.IgnoreCase)]
    private static partial Regex InjectionPattern();

    [GeneratedRegex(@"^[=+\-@]")]
    private static partial Regex FormulaStartPattern();
}
