using LiveOrleans.Events;

namespace LiveOrleans.Grains.Tests;

[Trait("Category", "unit")]
public sealed class PreviewTests
{
    [Fact]
    public void Short_text_is_kept_as_it_is()
        => Assert.Equal("Let me check that for you...", Preview.Cut("Let me check that for you..."));

    [Fact]
    public void Long_text_is_cut_to_eighty_characters_ending_in_an_ellipsis()
    {
        var preview = Preview.Cut(new string('a', 200));

        Assert.Equal(80, preview.Length);
        Assert.Equal(new string('a', 79) + "…", preview);
    }

    [Fact]
    public void An_emoji_is_never_split_in_half()
    {
        var text = new string('x', 78) + "👍🏽👍🏽👍🏽";

        var preview = Preview.Cut(text);

        Assert.Equal(new string('x', 78) + "👍🏽…", preview);
    }

    [Fact]
    public void White_space_and_line_breaks_fold_into_single_spaces()
        => Assert.Equal("a b c", Preview.Cut("  a\n\n b\t\tc  "));

    [Fact]
    public void A_media_message_without_text_previews_its_first_attachment()
    {
        var message = new MessageContent("m", MessageFormat.Media, null, [new Attachment(AttachmentType.Document, "u", "invoice.pdf", null, null)], null, null);

        Assert.Equal("[document] invoice.pdf", Preview.Of(message));
    }
}
