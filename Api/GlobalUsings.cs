global using System.Security.Claims;
global using LiveOrleans.Events;
global using LiveOrleans.Queries;
global using LiveOrleans.Validation;
global using Microsoft.AspNetCore.Http.HttpResults;
