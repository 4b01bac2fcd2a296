# LiveOrleans' image for cluster mode (docker-compose.yml): the Api and the Silo, published, on the ASP.NET runtime.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Node.js 20 builds the web dashboard into the Api's static files.
COPY --from=node:20-bookworm-slim /usr/local/bin/node /usr/local/bin/node
COPY --from=node:20-bookworm-slim /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
WORKDIR /src
COPY . .
RUN dotnet publish Api -c Release -o /app/api && dotnet publish Silo -c Release -o /app/silo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080 11111 30000
CMD ["dotnet", "/app/api/LiveOrleans.Api.dll"]
