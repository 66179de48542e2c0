//! Mail from services: newsletters (text + HTML, and HTML-only with style and
//! script), a shop's promotions and receipts, a bank's card alerts and PDF
//! statements, travel bookings, social-network notifications, utility bills
//! and spam.

use super::super::assets;
use super::super::mime::{Charset, TransferEncoding};
use super::{
    Attachment, Category, Draft, InlineImage, Person, at, escape_html_with_links, html_from_text,
    paragraphs,
};

fn rust_weekly() -> Person {
    Person::new("Rust Weekly", "newsletter@rustweekly.example")
}

fn morning_brief() -> Person {
    Person::new("The Morning Brief", "brief@morningbrief.example")
}

fn kettle() -> Person {
    Person::new("Kettle & Co.", "hello@kettleandco.example")
}

fn harbor_bank() -> Person {
    Person::new("Harbor Bank", "alerts@harborbank.example")
}

fn skyway() -> Person {
    Person::new("Skyway Travel", "bookings@skyway-travel.example")
}

fn nordic_air() -> Person {
    Person::address_only("noreply@nordicair.example")
}

fn linkedout() -> Person {
    Person::new("LinkedOut", "notifications@linkedout.example")
}

fn photogram() -> Person {
    Person::new("Photogram", "no-reply@photogram.example")
}

fn city_power() -> Person {
    Person::new("City Power", "billing@citypower.example")
}

/// Escapes text for HTML, writing the right single quote as `&#8217;`, as many mail tools do.
fn html_text(text: &str) -> String {
    html_escape::encode_text(text).replace('\u{2019}', "&#8217;")
}

/// One issue of the weekly newsletter.
pub(super) struct NewsletterIssue {
    pub when: (u32, u32, u32, u32),
    pub number: u32,
    pub picks: &'static [&'static str],
    pub unread: bool,
}

pub(super) const LARGE_NEWSLETTER_ISSUES: &[NewsletterIssue] = &[
    NewsletterIssue {
        when: (8, 6, 7, 0),
        number: 612,
        picks: &[
            "Async closures in practice",
            "A tour of the new trait solver",
            "Writing a tiny SMTP server",
        ],
        unread: false,
    },
    NewsletterIssue {
        when: (8, 27, 7, 0),
        number: 615,
        picks: &[
            "Zero-copy parsing with nom",
            "Error handling in libraries vs applications",
            "Cargo's new resolver explained",
        ],
        unread: false,
    },
    NewsletterIssue {
        when: (9, 17, 7, 0),
        number: 618,
        picks: &[
            "Profiling async code",
            "RFC 2047 and why your subjects look broken",
            "Building a rate limiter with Redis",
        ],
        unread: true,
    },
    NewsletterIssue {
        when: (10, 8, 7, 0),
        number: 621,
        picks: &[
            "OAuth 2.0 with PKCE in Rust",
            "Pinning, finally explained",
            "Testing HTTP clients against fakes",
        ],
        unread: true,
    },
    NewsletterIssue {
        when: (10, 29, 7, 0),
        number: 624,
        picks: &[
            "Rust 1.95 release notes",
            "Structured logging with tracing",
            "Property testing for parsers",
        ],
        unread: true,
    },
    NewsletterIssue {
        when: (11, 19, 7, 0),
        number: 627,
        picks: &[
            "The state of Rust web frameworks",
            "Charset detection is hard",
            "Shipping a Rust binary to 1 million users",
        ],
        unread: true,
    },
];

pub(super) const SMALL_NEWSLETTER_ISSUES: &[NewsletterIssue] = &[
    NewsletterIssue {
        when: (11, 5, 7, 0),
        number: 625,
        picks: &["Borrow checker myths", "Faster builds with sccache"],
        unread: false,
    },
    NewsletterIssue {
        when: (11, 12, 7, 0),
        number: 626,
        picks: &["A gentle intro to actix-web", "Unicode normalization"],
        unread: false,
    },
    NewsletterIssue {
        when: (11, 19, 7, 0),
        number: 627,
        picks: &[
            "The state of Rust web frameworks",
            "Charset detection is hard",
        ],
        unread: true,
    },
];

pub(super) const ALL_READ_NEWSLETTER_ISSUES: &[NewsletterIssue] = &[NewsletterIssue {
    when: (10, 15, 7, 0),
    number: 622,
    picks: &["Iterators all the way down", "Mail parsing in Rust"],
    unread: false,
}];

/// The weekly newsletter: text and HTML versions.
pub(super) fn newsletters(owner: &Person, issues: &[NewsletterIssue]) -> Vec<Draft> {
    let sender = rust_weekly();
    issues
        .iter()
        .map(|issue| {
            let number = issue.number;
            let picks: Vec<String> = issue.picks.iter().map(|pick| format!("- {pick}")).collect();
            let text = paragraphs(&[
                &format!("Rust Weekly, issue {number}"),
                &format!("Hello, and welcome to issue {number} of Rust Weekly!"),
                "This week\u{2019}s picks:",
                &picks.join("\n"),
                &format!("Read this issue online: https://rustweekly.example/issues/{number}"),
                "You are receiving this because you subscribed at rustweekly.example.\nUnsubscribe: https://rustweekly.example/unsubscribe",
            ]);
            let items: String = issue
                .picks
                .iter()
                .map(|pick| format!("<li>{}</li>\n", html_text(pick)))
                .collect();
            let html = format!(
                concat!(
                    "<html>\n<body style=\"font-family: sans-serif\">\n",
                    "<h1>Rust Weekly, issue {number}</h1>\n",
                    "<p>Hello, and welcome to issue {number} of Rust Weekly!</p>\n",
                    "<p>This week&#8217;s picks:</p>\n<ul>\n{items}</ul>\n",
                    "<p>Read this issue online: <a href=\"https://rustweekly.example/issues/{number}\">https://rustweekly.example/issues/{number}</a></p>\n",
                    "<p style=\"color:#888\">You are receiving this because you subscribed at rustweekly.example.<br>\n",
                    "Unsubscribe: <a href=\"https://rustweekly.example/unsubscribe\">https://rustweekly.example/unsubscribe</a></p>\n",
                    "</body>\n</html>"
                ),
                number = number,
                items = items
            );
            Draft::new(
                &sender,
                owner,
                at(issue.when.0, issue.when.1, issue.when.2, issue.when.3, 0),
                format!("Rust Weekly #{number}: {}", issue.picks.first().copied().unwrap_or_default()),
                text,
            )
            .alternative(html)
            .header("List-Unsubscribe", "<https://rustweekly.example/unsubscribe>")
            .header("List-ID", "Rust Weekly <weekly.rustweekly.example>")
            .category(Category::Updates)
            .unread_if(issue.unread)
        })
        .collect()
}

/// One edition of the daily HTML-only news mail.
pub(super) struct MorningBrief {
    pub when: (u32, u32, u32, u32),
    pub stories: &'static [(&'static str, &'static str)],
    pub quote: &'static str,
    /// Adds a `<script>` to the head (its text must never reach the reader).
    pub with_script: bool,
    pub unread: bool,
}

pub(super) const LARGE_MORNING_BRIEFS: &[MorningBrief] = &[
    MorningBrief {
        when: (8, 12, 6, 30),
        stories: &[
            (
                "Heatwave",
                "Temperatures reach 34\u{b0}C in London; trains run slower.",
            ),
            ("Markets", "Shares in tea & coffee makers rise 4%."),
        ],
        quote: "Simplicity is prerequisite for reliability.",
        with_script: true,
        unread: false,
    },
    MorningBrief {
        when: (9, 8, 6, 30),
        stories: &[
            ("Science", "A new telescope sends its first pictures."),
            ("Sport", "The cricket season ends in a draw."),
        ],
        quote: "The best way to predict the future is to invent it.",
        with_script: false,
        unread: true,
    },
    MorningBrief {
        when: (10, 2, 6, 30),
        stories: &[
            ("Tech", "Europe\u{2019}s new privacy rules take effect."),
            ("Weather", "A mild, dry weekend ahead."),
        ],
        quote: "Make it work, make it right, make it fast.",
        with_script: true,
        unread: true,
    },
    MorningBrief {
        when: (10, 27, 6, 30),
        stories: &[
            ("Economy", "Inflation falls to 2.1%."),
            ("Culture", "The Turner Prize shortlist is out."),
        ],
        quote: "Premature optimization is the root of all evil.",
        with_script: false,
        unread: true,
    },
    MorningBrief {
        when: (11, 13, 6, 30),
        stories: &[
            (
                "Transport",
                "Night trains return between London & Edinburgh.",
            ),
            ("Health", "Flu vaccines are available at pharmacies."),
        ],
        quote: "Programs must be written for people to read.",
        with_script: true,
        unread: true,
    },
    MorningBrief {
        when: (11, 20, 6, 30),
        stories: &[
            ("Business", "Retailers expect a record Black Friday."),
            ("Science", "Researchers map 1 million new galaxies."),
        ],
        quote: "Talk is cheap. Show me the code.",
        with_script: false,
        unread: true,
    },
];

/// HTML-only newsletters with a style sheet, sometimes a script, entities,
/// a list, a link and non-breaking spaces.
pub(super) fn morning_briefs(owner: &Person, briefs: &[MorningBrief]) -> Vec<Draft> {
    let sender = morning_brief();
    briefs
        .iter()
        .map(|brief| {
            let date = at(brief.when.0, brief.when.1, brief.when.2, brief.when.3, 0);
            let day = date.format("%A %-d %B").to_string();
            let edition = date.format("%Y-%m-%d").to_string();
            let script = if brief.with_script {
                "<script type=\"text/javascript\">\n  var tracking = { edition: \"morning\", source: \"email\" };\n  if (tracking.source) { document.write(\"tracking pixel loaded\"); }\n</script>\n"
            } else {
                ""
            };
            let stories_html: String = brief
                .stories
                .iter()
                .map(|(topic, story)| format!("<li><b>{}</b>: {}</li>\n", html_text(topic), html_text(story)))
                .collect();
            let html = format!(
                concat!(
                    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>The Morning Brief</title>\n",
                    "<style type=\"text/css\">\n  body {{ font-family: Georgia, serif; color: #222; }}\n  .lead {{ font-size: 18px; }}\n  h2 {{ color: #8a1c1c; }}\n</style>\n",
                    "{script}</head>\n<body>\n",
                    "<h1>The Morning Brief &ndash; {day}</h1>\n",
                    "<p class=\"lead\">Good morning! Here&#8217;s what you need to know today.</p>\n",
                    "<h2>Top stories</h2>\n<ul>\n{stories}</ul>\n",
                    "<p>Quote of the day:<br>&ldquo;{quote}&rdquo;</p>\n",
                    "<p>Read the full edition on <a href=\"https://morningbrief.example/{edition}\">our website</a>.</p>\n",
                    "<p style=\"font-size:11px\">You&nbsp;received this because you subscribed. Morning Brief Ltd &amp; Partners, 1&nbsp;Fleet Street, London.</p>\n",
                    "</body>\n</html>"
                ),
                script = script,
                day = day,
                stories = stories_html,
                quote = html_text(brief.quote),
                edition = edition,
            );
            let stories_text: Vec<String> = brief
                .stories
                .iter()
                .map(|(topic, story)| format!("{topic}: {story}"))
                .collect();
            let text = paragraphs(&[
                &format!("The Morning Brief \u{2013} {day}"),
                "Good morning! Here\u{2019}s what you need to know today.",
                "Top stories",
                &stories_text.join("\n"),
                &format!("Quote of the day:\n\u{201c}{}\u{201d}", brief.quote),
                "Read the full edition on our website.",
                "You received this because you subscribed. Morning Brief Ltd & Partners, 1 Fleet Street, London.",
            ]);
            Draft::new(&sender, owner, date, format!("The Morning Brief: {day}"), text)
                .html_only(html)
                .header("List-Unsubscribe", "<https://morningbrief.example/unsubscribe>")
                .category(Category::Updates)
                .unread_if(brief.unread)
        })
        .collect()
}

/// A promotion of the shop.
struct Promotion {
    when: (u32, u32, u32, u32),
    headline: &'static str,
    intro: &'static str,
    offers: &'static [&'static str],
    code: &'static str,
    ends: &'static str,
    unread: bool,
    trashed: bool,
}

const PROMOTIONS: &[Promotion] = &[
    Promotion {
        when: (8, 9, 10, 0),
        headline: "Summer sale: up to 40% off",
        intro: "Tea, coffee & everything in between \u{2013} now at summer prices.",
        offers: &[
            "Cast-iron teapot, now \u{a3}39",
            "Cold brew kit, now \u{a3}24",
            "Single-origin beans, 3 for 2",
        ],
        code: "SUMMER40",
        ends: "Sunday",
        unread: false,
        trashed: true,
    },
    Promotion {
        when: (9, 12, 10, 0),
        headline: "New in: autumn blends",
        intro: "Our buyers\u{2019} favourite teas for shorter days.",
        offers: &[
            "Smoky lapsang souchong",
            "Chai with fresh ginger",
            "Roasted hojicha",
        ],
        code: "AUTUMN10",
        ends: "30 September",
        unread: true,
        trashed: false,
    },
    Promotion {
        when: (10, 10, 10, 0),
        headline: "Members\u{2019} weekend: free delivery",
        intro: "This weekend only, every order ships free \u{2013} no minimum spend.",
        offers: &["Gift boxes from \u{a3}15", "Reusable filters & cups"],
        code: "FREESHIP",
        ends: "Monday",
        unread: true,
        trashed: false,
    },
    Promotion {
        when: (11, 1, 10, 0),
        headline: "Gift guide: teas for everyone",
        intro: "Presents for tea lovers, coffee snobs & the ones who have everything.",
        offers: &[
            "Advent calendar with 24 teas",
            "Barista starter set",
            "Matcha whisk & bowl",
        ],
        code: "GIFTS15",
        ends: "15 December",
        unread: true,
        trashed: false,
    },
    Promotion {
        when: (11, 20, 8, 0),
        headline: "Black Friday starts now",
        intro: "Our biggest sale of the year: 50% off selected teapots & grinders.",
        offers: &[
            "Hand grinder, now \u{a3}29",
            "Glass teapot, now \u{a3}18",
            "Espresso cups, set of 4, now \u{a3}12",
        ],
        code: "BLACK50",
        ends: "Monday at midnight",
        unread: true,
        trashed: false,
    },
];

/// The shop: HTML-only promotions and an order receipt with an inline logo.
pub(super) fn shop_mail(owner: &Person) -> Vec<Draft> {
    let shop = kettle();
    let mut drafts: Vec<Draft> = PROMOTIONS
        .iter()
        .map(|promotion| {
            let offers_html: String = promotion
                .offers
                .iter()
                .map(|offer| format!("  <li>{}</li>\n", html_text(offer)))
                .collect();
            let html = format!(
                concat!(
                    "<html>\n<head>\n<style>\n.cta {{ background: #e4572e; color: #fff; padding: 8px 16px; }}\n</style>\n</head>\n<body>\n",
                    "<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td align=\"center\">\n",
                    "<h1>{headline}</h1>\n<p>{intro}</p>\n<ul>\n{offers}</ul>\n",
                    "<p><a class=\"cta\" href=\"https://kettleandco.example/sale?code={code}\">Shop the sale</a></p>\n",
                    "<p>Use code <strong>{code}</strong> at checkout.&nbsp;Offer ends {ends}.</p>\n",
                    "<p>Kettle &amp; Co. &middot; 12 Market Lane &middot; Bristol</p>\n",
                    "</td></tr></table>\n</body>\n</html>"
                ),
                headline = html_text(promotion.headline),
                intro = html_text(promotion.intro),
                offers = offers_html,
                code = promotion.code,
                ends = html_text(promotion.ends),
            );
            let text = paragraphs(&[
                promotion.headline,
                promotion.intro,
                &promotion.offers.join("\n"),
                "Shop the sale",
                &format!("Use code {} at checkout. Offer ends {}.", promotion.code, promotion.ends),
                "Kettle & Co. \u{b7} 12 Market Lane \u{b7} Bristol",
            ]);
            let draft = Draft::new(
                &shop,
                owner,
                at(promotion.when.0, promotion.when.1, promotion.when.2, promotion.when.3, 0),
                promotion.headline,
                text,
            )
            .html_only(html)
            .header("List-Unsubscribe", "<https://kettleandco.example/unsubscribe>")
            .category(Category::Promotions)
            .unread_if(promotion.unread);
            if promotion.trashed { draft.trash() } else { draft }
        })
        .collect();

    let receipt_pdf = assets::pdf_document(
        "Kettle & Co. - Receipt KC-20931",
        &[
            "Order KC-20931, 3 November 2026",
            "1 x Cast-iron teapot          GBP 39.00",
            "2 x Roasted hojicha (100 g)   GBP 15.00",
            "Delivery                      GBP  0.00",
            "Total                         GBP 54.00",
        ],
    );
    let receipt_text = paragraphs(&[
        &format!("Hi {},", owner.first_name()),
        "Thanks for your order! It\u{2019}s on its way.",
        "Order KC-20931\n1 \u{d7} Cast-iron teapot \u{2013} \u{a3}39.00\n2 \u{d7} Roasted hojicha (100 g) \u{2013} \u{a3}15.00\nDelivery \u{2013} free\nTotal: \u{a3}54.00",
        "Your receipt is attached as a PDF.",
        "Kettle & Co.",
    ]);
    let receipt_html = format!(
        concat!(
            "<html>\n<body>\n<p><img src=\"cid:kettle_logo\" alt=\"Kettle &amp; Co.\" width=\"48\" height=\"48\"></p>\n",
            "<p>Hi {first},</p>\n<p>Thanks for your order! It&#8217;s on its way.</p>\n",
            "<p>Order KC-20931<br>\n1 &times; Cast-iron teapot &ndash; &pound;39.00<br>\n2 &times; Roasted hojicha (100 g) &ndash; &pound;15.00<br>\nDelivery &ndash; free<br>\nTotal: &pound;54.00</p>\n",
            "<p>Your receipt is attached as a PDF.</p>\n<p>Kettle &amp; Co.</p>\n</body>\n</html>"
        ),
        first = html_escape::encode_text(owner.first_name()),
    );
    drafts.push(
        Draft::new(
            &shop,
            owner,
            at(11, 3, 14, 22, 0),
            "Your Kettle & Co. order KC-20931",
            receipt_text,
        )
        .nested_related(
            receipt_html,
            InlineImage {
                filename: "kettle-logo.png".to_string(),
                content_id: "kettle_logo".to_string(),
                data: assets::logo_png([228, 87, 46]),
            },
            vec![Attachment::new(
                "receipt-KC-20931.pdf",
                "application/pdf",
                receipt_pdf,
            )],
        )
        .category(Category::Updates)
        .unread(),
    );
    drafts
}

/// A card payment alert.
pub(super) struct CardPayment {
    pub when: (u32, u32, u32, u32),
    pub amount: &'static str,
    pub merchant: &'static str,
    pub unread: bool,
}

pub(super) const LARGE_CARD_PAYMENTS: &[CardPayment] = &[
    CardPayment {
        when: (8, 3, 12, 41),
        amount: "\u{a3}42.10",
        merchant: "Borough Market Deli",
        unread: false,
    },
    CardPayment {
        when: (8, 29, 19, 5),
        amount: "\u{a3}118.00",
        merchant: "Nordic Air",
        unread: false,
    },
    CardPayment {
        when: (9, 22, 8, 12),
        amount: "\u{a3}3.40",
        merchant: "Station Coffee",
        unread: false,
    },
    CardPayment {
        when: (10, 16, 20, 33),
        amount: "\u{a3}64.99",
        merchant: "Kettle & Co.",
        unread: true,
    },
    CardPayment {
        when: (11, 7, 13, 2),
        amount: "\u{a3}250.00",
        merchant: "Skyway Travel",
        unread: true,
    },
    CardPayment {
        when: (11, 15, 18, 47),
        amount: "\u{a3}27.50",
        merchant: "Camden Cinema",
        unread: true,
    },
];

pub(super) const SMALL_CARD_PAYMENTS: &[CardPayment] = &[
    CardPayment {
        when: (11, 8, 12, 3),
        amount: "\u{a3}12.80",
        merchant: "Station Coffee",
        unread: false,
    },
    CardPayment {
        when: (11, 14, 19, 20),
        amount: "\u{a3}89.00",
        merchant: "City Books",
        unread: true,
    },
];

pub(super) const ALL_READ_CARD_PAYMENTS: &[CardPayment] = &[CardPayment {
    when: (10, 12, 9, 45),
    amount: "\u{a3}5.60",
    merchant: "Station Coffee",
    unread: false,
}];

/// Card payment alerts: plain text, UTF-8 quoted-printable (for the pound sign).
pub(super) fn bank_mail(owner: &Person, payments: &[CardPayment]) -> Vec<Draft> {
    let bank = harbor_bank();
    payments
        .iter()
        .map(|payment| {
            let date = at(payment.when.0, payment.when.1, payment.when.2, payment.when.3, 0);
            let text = paragraphs(&[
                &format!("Hello {},", owner.first_name()),
                &format!(
                    "A payment of {} to {} was made with your card ending 4821 on {}.",
                    payment.amount,
                    payment.merchant,
                    date.format("%-d %B %Y at %H:%M")
                ),
                "If you don\u{2019}t recognise this payment, call us on 0800 000 0000\nor freeze your card in the Harbor Bank app.",
                "Harbor Bank\nThis is an automated message; please do not reply.",
            ]);
            Draft::new(&bank, owner, date, format!("Card payment of {} to {}", payment.amount, payment.merchant), text)
                .category(Category::Updates)
                .unread_if(payment.unread)
        })
        .collect()
}

/// A monthly statement.
pub(super) struct Statement {
    pub when: (u32, u32, u32, u32),
    pub month: &'static str,
    pub file_month: &'static str,
    pub closing_balance: &'static str,
    pub unread: bool,
}

pub(super) const LARGE_STATEMENTS: &[Statement] = &[
    Statement {
        when: (8, 2, 5, 0),
        month: "July 2026",
        file_month: "2026-07",
        closing_balance: "2,904.12",
        unread: false,
    },
    Statement {
        when: (9, 2, 5, 0),
        month: "August 2026",
        file_month: "2026-08",
        closing_balance: "2,418.77",
        unread: false,
    },
    Statement {
        when: (10, 2, 5, 0),
        month: "September 2026",
        file_month: "2026-09",
        closing_balance: "3,075.40",
        unread: true,
    },
    Statement {
        when: (11, 2, 5, 0),
        month: "October 2026",
        file_month: "2026-10",
        closing_balance: "2,861.05",
        unread: true,
    },
];

pub(super) const SMALL_STATEMENTS: &[Statement] = &[Statement {
    when: (11, 2, 5, 0),
    month: "October 2026",
    file_month: "2026-10",
    closing_balance: "1,204.66",
    unread: false,
}];

/// Monthly statements: text + HTML with the statement as a PDF attachment.
pub(super) fn bank_statements(owner: &Person, statements: &[Statement]) -> Vec<Draft> {
    let bank = harbor_bank();
    statements
        .iter()
        .map(|statement| {
            let pdf = assets::pdf_document(
                &format!("Harbor Bank statement - {}", statement.month),
                &[
                    "Current account 20-44-19 / 73018842",
                    &format!("Closing balance: GBP {}", statement.closing_balance),
                    "Harbor Bank plc, 1 Quay Street, Bristol",
                ],
            );
            let text = paragraphs(&[
                &format!("Hello {},", owner.first_name()),
                &format!(
                    "Your statement for {} is ready. Your closing balance was \u{a3}{}.",
                    statement.month, statement.closing_balance
                ),
                "The statement is attached as a PDF. You can also find it in the Harbor Bank app under Documents.",
                "Harbor Bank",
            ]);
            Draft::new(
                &bank,
                owner,
                at(statement.when.0, statement.when.1, statement.when.2, statement.when.3, 0),
                format!("Your {} statement is ready", statement.month),
                text.clone(),
            )
            .alternative(html_from_text(&text))
            .attachments(vec![Attachment::new(
                &format!("statement-{}.pdf", statement.file_month),
                "application/pdf",
                pdf,
            )])
            .category(Category::Updates)
            .important()
            .unread_if(statement.unread)
        })
        .collect()
}

/// Travel: an itinerary with an inline logo and a PDF, check-in, a boarding
/// pass image, a price alert.
pub(super) fn travel_mail(owner: &Person) -> Vec<Draft> {
    let (skyway, nordic_air) = (skyway(), nordic_air());
    let itinerary_pdf = assets::pdf_document(
        "Skyway Travel - Itinerary SW-7731",
        &[
            "Traveller: see booking",
            "Outbound: Sat 21 Nov 2026, NA 412, London LHR 07:10 - Osaka KIX 06:55 (+1)",
            "Return: Sun 29 Nov 2026, NA 413, Osaka KIX 10:20 - London LHR 15:05",
            "Hotel: Kyoto Riverside, 22-28 Nov 2026",
        ],
    );
    let itinerary_text = paragraphs(&[
        &format!("Dear {},", owner.short_name()),
        "Your trip to Japan is booked. Booking reference: SW-7731.",
        "Outbound: Saturday 21 November, NA 412, London Heathrow 07:10 \u{2192} Osaka Kansai 06:55 (+1)\nReturn: Sunday 29 November, NA 413, Osaka Kansai 10:20 \u{2192} London Heathrow 15:05\nHotel: Kyoto Riverside, 22\u{2013}28 November",
        "Your full itinerary is attached. Have a wonderful trip!",
        "Skyway Travel",
    ]);
    let itinerary_html = format!(
        concat!(
            "<html>\n<body>\n<p><img src=\"cid:skyway_logo\" alt=\"Skyway Travel\" width=\"48\" height=\"48\"></p>\n",
            "<p>Dear {name},</p>\n<p>Your trip to Japan is booked. Booking reference: <b>SW-7731</b>.</p>\n",
            "<p>Outbound: Saturday 21 November, NA 412, London Heathrow 07:10 &rarr; Osaka Kansai 06:55 (+1)<br>\n",
            "Return: Sunday 29 November, NA 413, Osaka Kansai 10:20 &rarr; London Heathrow 15:05<br>\n",
            "Hotel: Kyoto Riverside, 22&ndash;28 November</p>\n",
            "<p>Your full itinerary is attached. Have a wonderful trip!</p>\n<p>Skyway Travel</p>\n</body>\n</html>"
        ),
        name = html_escape::encode_text(owner.short_name()),
    );
    let check_in_text = paragraphs(&[
        "Check-in is now open for your flight NA 412 from London Heathrow to Osaka Kansai on Saturday 21 November.",
        "Check in online: https://nordicair.example/check-in?ref=SW7731",
        "Bags: 1 \u{d7} 23 kg included.",
        "Nordic Air",
    ]);
    let boarding_text = paragraphs(&[
        "Your boarding pass for NA 412 is attached. Boarding closes at 06:50, gate announced 45 minutes before departure.",
        "Seat: 32A\nGroup: 3",
        "Nordic Air",
    ]);
    let alert_html = concat!(
        "<html>\n<head><style>.price { font-size: 24px; color: #0a7; }</style></head>\n<body>\n",
        "<h2>Price alert: London &rarr; Lisbon</h2>\n",
        "<p>Fares for your saved route dropped to <span class=\"price\">&pound;79</span> return.</p>\n",
        "<ul>\n<li>2&ndash;4 December: &pound;79</li>\n<li>9&ndash;11 December: &pound;92</li>\n</ul>\n",
        "<p><a href=\"https://skyway-travel.example/alerts/lon-lis\">See all fares</a></p>\n",
        "<p>Skyway Travel &middot; Prices include taxes &amp; fees.</p>\n</body>\n</html>"
    );
    let alert_text = paragraphs(&[
        "Price alert: London \u{2192} Lisbon",
        "Fares for your saved route dropped to \u{a3}79 return.",
        "2\u{2013}4 December: \u{a3}79\n9\u{2013}11 December: \u{a3}92",
        "See all fares",
        "Skyway Travel \u{b7} Prices include taxes & fees.",
    ]);

    vec![
        Draft::new(
            &skyway,
            owner,
            at(11, 7, 13, 5, 0),
            "Your trip to Japan: itinerary SW-7731",
            itinerary_text,
        )
        .nested_related(
            itinerary_html,
            InlineImage {
                filename: "skyway-logo.png".to_string(),
                content_id: "skyway_logo".to_string(),
                data: assets::logo_png([30, 110, 200]),
            },
            vec![Attachment::new(
                "itinerary-SW-7731.pdf",
                "application/pdf",
                itinerary_pdf,
            )],
        )
        .category(Category::Updates)
        .important()
        .starred(),
        Draft::new(
            &nordic_air,
            owner,
            at(11, 20, 7, 10, 0),
            "Check-in is open: NA 412 London \u{2192} Osaka",
            check_in_text.clone(),
        )
        .alternative(html_from_text(&check_in_text))
        .category(Category::Updates)
        .important()
        .unread(),
        Draft::new(
            &nordic_air,
            owner,
            at(11, 20, 9, 30, 0),
            "Your boarding pass: NA 412",
            boarding_text.clone(),
        )
        .alternative(html_from_text(&boarding_text))
        .attachments(vec![Attachment::new(
            "boarding-pass-NA412.png",
            "image/png",
            assets::png(48, 24, |x, y| {
                if (x / 3 + y / 6) % 2 == 0 {
                    [20, 20, 20]
                } else {
                    [255, 255, 255]
                }
            }),
        )])
        .category(Category::Updates)
        .unread(),
        Draft::new(
            &skyway,
            owner,
            at(10, 24, 9, 0, 1),
            "Price alert: London \u{2192} Lisbon from \u{a3}79",
            alert_text,
        )
        .html_only(alert_html)
        .category(Category::Promotions)
        .unread(),
    ]
}

/// Which social network.
#[derive(Clone, Copy)]
pub(super) enum Network {
    LinkedOut,
    Photogram,
}

/// A social-network notification.
pub(super) struct SocialEvent {
    pub when: (u32, u32, u32, u32),
    pub network: Network,
    pub actor: &'static str,
    pub what: &'static str,
    pub unread: bool,
    pub trashed: bool,
}

pub(super) const LARGE_SOCIAL_EVENTS: &[SocialEvent] = &[
    SocialEvent {
        when: (8, 15, 11, 0),
        network: Network::LinkedOut,
        actor: "Maria Schneider",
        what: "endorsed you for Rust",
        unread: false,
        trashed: true,
    },
    SocialEvent {
        when: (9, 6, 16, 20),
        network: Network::Photogram,
        actor: "Misaki Tanaka",
        what: "tagged you in a photo from Kyoto",
        unread: false,
        trashed: false,
    },
    SocialEvent {
        when: (10, 3, 9, 45),
        network: Network::LinkedOut,
        actor: "Sophie Laurent",
        what: "viewed your profile",
        unread: true,
        trashed: false,
    },
    SocialEvent {
        when: (10, 25, 20, 10),
        network: Network::Photogram,
        actor: "Jamie Rivera",
        what: "commented on your photo: \"Great shot!\"",
        unread: true,
        trashed: false,
    },
    SocialEvent {
        when: (11, 8, 12, 30),
        network: Network::LinkedOut,
        actor: "Daniel Okafor",
        what: "shared a post: We're hiring a frontend engineer",
        unread: true,
        trashed: false,
    },
    SocialEvent {
        when: (11, 19, 19, 55),
        network: Network::Photogram,
        actor: "Ellen Carter",
        what: "liked your photo",
        unread: true,
        trashed: false,
    },
];

pub(super) const SMALL_SOCIAL_EVENTS: &[SocialEvent] = &[
    SocialEvent {
        when: (11, 7, 10, 10),
        network: Network::LinkedOut,
        actor: "Tom Becker",
        what: "endorsed you for Redis",
        unread: false,
        trashed: false,
    },
    SocialEvent {
        when: (11, 17, 21, 5),
        network: Network::Photogram,
        actor: "Jamie Rivera",
        what: "started following you",
        unread: true,
        trashed: false,
    },
];

/// Social-network notifications: text + HTML.
pub(super) fn social_notifications(owner: &Person, events: &[SocialEvent]) -> Vec<Draft> {
    events
        .iter()
        .map(|event| {
            let (sender, site) = match event.network {
                Network::LinkedOut => (linkedout(), "linkedout.example"),
                Network::Photogram => (photogram(), "photogram.example"),
            };
            let text = paragraphs(&[
                &format!("Hi {},", owner.first_name()),
                &format!("{} {}.", event.actor, event.what.trim_end_matches('.')),
                &format!("See it on {}: https://{site}/notifications", sender.short_name()),
                &format!(
                    "You are receiving notification emails from {}.\nUnsubscribe: https://{site}/settings/email",
                    sender.short_name()
                ),
            ]);
            let html = format!(
                "<html><body style=\"font-family: Helvetica, Arial\">\n{}\n</body></html>",
                text.split("\n\n")
                    .map(|paragraph| format!("<p>{}</p>", escape_html_with_links(paragraph).replace('\n', "<br>\n")))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            let draft = Draft::new(
                &sender,
                owner,
                at(event.when.0, event.when.1, event.when.2, event.when.3, 0),
                format!("{} {}", event.actor, event.what),
                text,
            )
            .alternative(html)
            .category(Category::Social)
            .unread_if(event.unread);
            if event.trashed { draft.trash() } else { draft }
        })
        .collect()
}

/// A monthly electricity bill.
pub(super) struct UtilityBill {
    pub when: (u32, u32, u32, u32),
    pub month: &'static str,
    pub amount: &'static str,
    pub unread: bool,
}

pub(super) const LARGE_UTILITY_BILLS: &[UtilityBill] = &[
    UtilityBill {
        when: (8, 18, 6, 0),
        month: "July",
        amount: "48.20",
        unread: false,
    },
    UtilityBill {
        when: (9, 18, 6, 0),
        month: "August",
        amount: "45.75",
        unread: true,
    },
    UtilityBill {
        when: (10, 18, 6, 0),
        month: "September",
        amount: "52.10",
        unread: true,
    },
];

/// Electricity bills: plain text with the bill as a PDF.
pub(super) fn utility_bills(owner: &Person, bills: &[UtilityBill]) -> Vec<Draft> {
    let sender = city_power();
    bills
        .iter()
        .map(|bill| {
            let pdf = assets::pdf_document(
                &format!("City Power - {} 2026 bill", bill.month),
                &[
                    "Account 5518-2207",
                    &format!("Electricity used in {}: 182 kWh", bill.month),
                    &format!("Amount due: GBP {}", bill.amount),
                    "Paid by direct debit on the 1st of next month.",
                ],
            );
            let text = paragraphs(&[
                &format!("Hello {},", owner.first_name()),
                &format!(
                    "Your electricity bill for {} is \u{a3}{}. It will be collected by direct debit on the 1st.",
                    bill.month, bill.amount
                ),
                "The bill is attached.",
                "City Power customer service",
            ]);
            Draft::new(
                &sender,
                owner,
                at(bill.when.0, bill.when.1, bill.when.2, bill.when.3, 1),
                format!("Your City Power bill for {}", bill.month),
                text,
            )
            .attachments(vec![Attachment::new(
                &format!("city-power-{}-2026.pdf", bill.month.to_lowercase()),
                "application/pdf",
                pdf,
            )])
            .category(Category::Updates)
            .unread_if(bill.unread)
        })
        .collect()
}

/// Spam (labelled SPAM, never in the inbox).
pub(super) fn spam(owner: &Person) -> Vec<Draft> {
    let prize_html = concat!(
        "<html><body bgcolor=\"#ffff00\">\n<h1>CONGRATULATIONS!!!</h1>\n",
        "<p>You have been selected to receive a <b>$1,000 gift card</b>.</p>\n",
        "<p><a href=\"https://prize-center.example/claim\">CLAIM NOW</a> &gt;&gt;&gt;</p>\n",
        "</body></html>"
    );
    vec![
        Draft::new(
            &Person::new("Prize Center", "winner@prize-center.example"),
            owner,
            at(9, 1, 3, 12, -5),
            "You have WON a $1,000 gift card!!!",
            paragraphs(&[
                "CONGRATULATIONS!!!",
                "You have been selected to receive a $1,000 gift card.",
                "CLAIM NOW >>>",
            ]),
        )
        .html_only(prize_html)
        .spam(),
        Draft::new(
            &Person::new("Crypto Gains", "invest@crypto-gains.example"),
            owner,
            at(10, 11, 4, 40, 3),
            "Your wallet has 3.2 BTC waiting",
            "Dear investor,\n\nYour account has 3.2 BTC waiting for withdrawal. Confirm your\nidentity within 24 hours: https://crypto-gains.example/verify\n\nCrypto Gains Support",
        )
        .spam()
        .unread(),
        Draft::new(
            &Person::new("お客様サポート", "support@secure-account-check.example"),
            owner,
            at(11, 14, 2, 15, 9),
            "【重要】アカウントの確認をお願いします",
            paragraphs(&[
                "お客様",
                "お客様のアカウントで不審なログインが検出されました。\n24時間以内に以下のリンクから本人確認を行ってください。",
                "https://secure-account-check.example/login",
                "確認が行われない場合、アカウントは停止されます。",
            ]),
        )
        .encoded(Charset::Utf8, TransferEncoding::Base64)
        .spam()
        .unread(),
        Draft::new(
            &Person::address_only("deals@cheap-watches.example"),
            owner,
            at(11, 18, 1, 5, -8),
            "Luxury watches 90% off - today only",
            "Best replica watches, 90% off, free shipping worldwide.\nhttps://cheap-watches.example",
        )
        .encoded(Charset::UsAscii, TransferEncoding::SevenBit)
        .spam(),
    ]
}
