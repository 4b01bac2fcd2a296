namespace LiveOrleans;

// Enum values travel as snake_case lower case (see LiveJson); the C# names map one to one.

/// <summary>Who speaks for the business in a session.</summary>
[GenerateSerializer]
public enum AgentKind { Ai, Human }

/// <summary>Presence of an agent.</summary>
[GenerateSerializer]
public enum AgentStatus { Online, Offline }

/// <summary>Conversation status set by the inbox (not the live state).</summary>
[GenerateSerializer]
public enum ConversationStatus { Open, Closed }

/// <summary>Conversation priority.</summary>
[GenerateSerializer]
public enum Priority { Low, Normal, High, Urgent }

/// <summary>The live state of a session (docs/semantics.md, "Sessions and live states").</summary>
[GenerateSerializer]
public enum LiveState { Active, Thinking, Streaming, Paused, Error, Ended }

/// <summary>Display state of the reply being generated.</summary>
[GenerateSerializer]
public enum StreamState { Idle, Thinking, Streaming, Complete }

/// <summary>Who sent an outgoing message.</summary>
[GenerateSerializer]
public enum SenderKind { Ai, Human, System }

/// <summary>Delivery outcome of an outgoing message.</summary>
[GenerateSerializer]
public enum Delivery { Sent, Failed }

/// <summary>How a message's content is to be read.</summary>
[GenerateSerializer]
public enum MessageFormat { Text, Media, System, Voice }

/// <summary>Kind of a message attachment.</summary>
[GenerateSerializer]
public enum AttachmentType { Image, Document, Audio, Video }

/// <summary>What a supervisor can do to a live session (docs/semantics.md, Interventions).</summary>
/// <remarks>New kinds go at the end: the grains' serializer writes the number.</remarks>
[GenerateSerializer]
public enum InterventionType { Pause, Resume, SystemMessage, Override, Transfer, Reassign, CobrowseStart, CobrowseStop, Guide, Takeover, Handback }

/// <summary>Roles of people; see docs/contract.md, Authentication.</summary>
[GenerateSerializer]
public enum Role { Admin, Supervisor, Agent, Viewer }
