using LiveOrleans.Api.Hosting;

// --demo: the simulator plays live traffic into the bootstrap tenant (see README). A bare switch, not configuration.
var demo = args.Contains("--demo");
// Configuration files are read at start only: a watcher on the content root would wake at every write of the store
// when it lives below it (data/), which it does by default. Given first, so the command line can still turn it on.
// The dashboard's files are beside the binaries (the build copies them), wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = ["--hostBuilder:reloadConfigOnChange=false", .. args.Where(a => a != "--demo")],
    WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
});
// Port 5080 unless the user chose one (--urls, ASPNETCORE_URLS, Urls in configuration).
if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://localhost:5080");
builder.AddLiveApi();
if (demo) builder.Services.AddHostedService<DemoTraffic>();

var app = builder.Build();
// An embedded store that existed and is gone is never started afresh: one line says why, and the exit code is 3.
if (Bootstrapper.RefusesMissingStore(app.Configuration, app.Services.GetRequiredService<ILogger<Bootstrapper>>()))
{
    await app.DisposeAsync(); // flushes the console log
    return 3;
}
app.MapLiveApi();
app.Run();
return 0;

/// <summary>The Api's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
