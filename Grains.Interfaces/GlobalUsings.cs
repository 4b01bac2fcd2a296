global using Orleans.Concurrency;
global using LiveOrleans.Queries;
global using LiveOrleans.Events;
