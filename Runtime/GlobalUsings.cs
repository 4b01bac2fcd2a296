global using System.Diagnostics;
global using System.Threading.Channels;
