using LiveOrleans.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddLiveApi();

var app = builder.Build();
app.MapLiveApi();
app.Run();

/// <summary>The Api's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
