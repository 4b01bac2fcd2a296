global using LiveOrleans.Events;
global using LiveOrleans.Queries;
global using Microsoft.Extensions.Logging;
global using Orleans.Concurrency;
global using LiveOrleans.Grains.Storage;
global using LiveOrleans.Views;
global using LiveOrleans.Grains.Placement;
