namespace RuralLoans.DevServices;

/// <summary>The RuralLoans checkout this process runs from: RURALLOANS_ROOT (set by ./ruralloans), else the nearest folder with RuralLoans.sln above the app or the working directory.</summary>
public static class RepositoryRoot
{
    public static string Find() => RepositoryLayout.Resolve(null).Root;
}
