using LiveOrleans.Hosting;
using Microsoft.Extensions.Hosting;

// A LiveOrleans silo without HTTP: grains, the store and streams (keys: docs/configuration.md).
var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.AddLiveOrleansSilo(builder.Configuration));
await builder.Build().RunAsync();
