using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

// In the host's root namespace so Program.cs needs only the one call line.
namespace RuralLoans.Host;

/// <summary>
/// The web portal: static pages and ES modules compiled into the host assembly, so the host serves the same portal
/// wherever it runs (standalone, published, or inside the Function App) without a build step or a wwwroot
/// folder next to the working directory.
/// </summary>
public static class PortalEndpoints
{
    /// <summary>The embedded files, with their folders kept (wwwroot/js/api.js is served as /js/api.js).</summary>
    public static IFileProvider Files { get; } = new ManifestEmbeddedFileProvider(typeof(PortalEndpoints).Assembly, "wwwroot");

    public static WebApplication MapPortal(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = Files });
        var types = new FileExtensionContentTypeProvider();
        // Browsers refuse ES modules served with any other type.
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        types.Mappings[".html"] = "text/html; charset=utf-8";
        types.Mappings[".css"] = "text/css; charset=utf-8";
        // Model cards (models/{id}/{version}/card.txt) carry Chinese bin labels.
        types.Mappings[".txt"] = "text/plain; charset=utf-8";
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files,
            ContentTypeProvider = types,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                // Pages change with the host version; a stale cached module against a newer API is worse than a re-fetch.
                headers.CacheControl = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy =
                    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
            },
        });
        return app;
    }
}
