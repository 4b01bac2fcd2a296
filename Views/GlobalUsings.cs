global using LiveOrleans.Live;
global using LiveOrleans.Queries;
