//! Mail from family and friends: photos as PNG attachments, a short thread
//! with the owner's reply, emoji, apostrophes (for Gmail's `&#39;` snippets).

use super::super::assets;
use super::{Attachment, Category, Draft, Person, at, html_from_text, paragraphs, quoted_reply};

fn ellen() -> Person {
    Person::new("Ellen Carter", "ellen.carter@example.net")
}

fn jamie() -> Person {
    Person::new("Jamie Rivera", "jamie.rivera@example.org")
}

/// Family and friends in the large mailbox.
pub(super) fn family_and_friends(owner: &Person) -> Vec<Draft> {
    let (ellen, jamie) = (ellen(), jamie());
    let first = owner.first_name();
    let tickets_text = paragraphs(&[
        &format!("Hey {first},"),
        "I got two tickets for the concert on Saturday at the Roundhouse! Doors open at 7. Are you in?",
        "Jamie",
    ]);
    let tickets_reply = "Absolutely, count me in! Shall we meet at Chalk Farm station at 6:30?";
    let thanksgiving_text = paragraphs(&[
        &format!("Hi {first},"),
        "We're planning Thanksgiving dinner for Thursday the 26th at 4 pm. Your aunt is bringing the pie, so you don't need to bake anything this year!",
        "Let me know if you can make it, and whether you're bringing anyone.",
        "Love,\nMom",
    ]);

    vec![
        Draft::new(
            &ellen,
            owner,
            at(8, 16, 20, 10, -4),
            "Photos from the lake",
            paragraphs(&[
                &format!("Hi {first},"),
                "Here are two pictures from our weekend at the lake. The water was still warm enough to swim!",
                "Love,\nMom",
            ]),
        )
        .attachments(vec![
            Attachment::new("lake-1.png", "image/png", assets::photo_png(40, 30, [255, 230, 120])),
            Attachment::new("lake-2.png", "image/png", assets::photo_png(30, 40, [250, 180, 90])),
        ])
        .starred(),
        Draft::new(&jamie, owner, at(9, 10, 13, 0, 1), "Concert tickets for Saturday", tickets_text.clone())
            .thread("concert"),
        Draft::new(
            owner,
            &jamie,
            at(9, 10, 13, 30, 1),
            "Re: Concert tickets for Saturday",
            quoted_reply(tickets_reply, &jamie, at(9, 10, 13, 0, 1), &tickets_text),
        )
        .thread("concert")
        .sent(),
        Draft::new(
            &jamie,
            owner,
            at(9, 10, 14, 2, 1),
            "Re: Concert tickets for Saturday",
            quoted_reply("Perfect, see you there!", owner, at(9, 10, 13, 30, 1), tickets_reply),
        )
        .thread("concert"),
        Draft::new(
            &ellen,
            owner,
            at(10, 18, 11, 25, -4),
            "Recipe: Grandma's apple pie",
            paragraphs(&[
                &format!("Hi {first},"),
                "Here's Grandma's apple pie recipe, as promised:",
                "- 6 apples, peeled and sliced\n- \u{bd} cup sugar, 1 tsp cinnamon\n- 2 pie crusts\n- bake at 425\u{b0}F for 45 minutes",
                "Don't skip the cinnamon!",
                "Mom",
            ]),
        ),
        Draft::new(&ellen, owner, at(11, 14, 9, 30, -5), "Thanksgiving plans", thanksgiving_text.clone())
            .alternative(html_from_text(&thanksgiving_text))
            .important()
            .starred()
            .unread(),
        Draft::new(
            &jamie,
            owner,
            at(11, 19, 22, 40, 0),
            "Did you see this? \u{1f602}",
            "Someone taught a parrot to order pizza \u{1f602}\u{1f355}\nhttps://video.example/watch?v=parrot-pizza\n\nJ.",
        )
        .unread(),
    ]
}

/// Family mail of the small mailbox.
pub(super) fn small_family_mail(owner: &Person) -> Vec<Draft> {
    let (ellen, jamie) = (ellen(), jamie());
    let first = owner.first_name();
    vec![
        Draft::new(
            &ellen,
            owner,
            at(11, 15, 10, 0, -5),
            "Call on Sunday?",
            format!("Hi {first},\n\nCan we call on Sunday afternoon? Dad wants to show you the new garden.\n\nLove,\nMom"),
        )
        .unread(),
        Draft::new(
            &jamie,
            owner,
            at(11, 11, 18, 45, 0),
            "Board game night",
            format!("Hey {first}, board game night at mine on Friday? I'll make chili.\n\nJamie"),
        ),
        Draft::new(&ellen, owner, at(11, 18, 19, 5, -5), "Photo of Max", "Max says hi! \u{1f436}\n\nMom")
            .attachments(vec![Attachment::new("max.png", "image/png", assets::photo_png(24, 24, [140, 90, 40]))])
            .category(Category::Personal),
    ]
}

/// Family and friends in the all-read mailbox.
pub(super) fn all_read_family_mail(owner: &Person) -> Vec<Draft> {
    vec![
        Draft::new(
            &ellen(),
            owner,
            at(10, 20, 8, 15, -4),
            "Safe travels!",
            format!(
                "Hi {},\n\nHave a safe flight, and call us when you land.\n\nLove,\nMom",
                owner.first_name()
            ),
        ),
        Draft::new(
            &jamie(),
            owner,
            at(10, 24, 21, 30, 1),
            "Thanks for dinner",
            "Thanks again for dinner, it was lovely. Next time it's my turn!\n\nJamie",
        ),
    ]
}
