//! Work mail of the demo owner at Northwind (a small London software team):
//! the colleagues, the long "Q4 launch plan" thread, code-forge notifications,
//! CI reports, calendar invitations and team-chat digests.

use chrono::{DateTime, FixedOffset};

use super::super::assets;
use super::{
    Attachment, Category, Draft, InlineImage, Person, at, html_from_text, paragraphs, quoted_reply,
    wrapped,
};

fn daniel() -> Person {
    Person::new("Daniel Okafor", "daniel.okafor@northwind.example")
}

fn priya() -> Person {
    Person::new("Priya Raman", "priya.raman@northwind.example")
}

fn tom() -> Person {
    Person::new("Tom Becker", "tom.becker@northwind.example")
}

fn chen() -> Person {
    Person::new("Chen Wei", "chen.wei@northwind.example")
}

/// Forge notifications come from one address, under each actor's name.
fn forge() -> Person {
    Person::new("GitForge", "notifications@gitforge.example")
}

fn ci() -> Person {
    Person::new("Northwind CI", "builds@ci.northwind.example")
}

fn calendar() -> Person {
    Person::new(
        "Northwind Calendar",
        "calendar-notification@northwind.example",
    )
}

fn chatter() -> Person {
    Person::new("Chatter", "digest@chatter.example")
}

/// Who wrote a message of the launch thread.
#[derive(Clone, Copy)]
enum Author {
    Daniel,
    Priya,
    Tom,
    Chen,
    Owner,
}

struct ThreadPost {
    author: Author,
    date: DateTime<FixedOffset>,
    text: &'static str,
    unread: bool,
}

/// The long conversation: 14 messages over ten days, same thread, quoted
/// replies, the owner's own replies in Sent, the last ones unread.
pub(super) fn launch_thread(owner: &Person) -> Vec<Draft> {
    const SUBJECT: &str = "Q4 launch plan for the unread digest";
    let posts = [
        ThreadPost {
            author: Author::Daniel,
            date: at(10, 26, 9, 12, 0),
            text: "Hi all,\n\nI'd like to lock the plan for the unread digest launch before the end of the month. Proposal:\n\n1. Feature freeze on Friday 6 November.\n2. Internal beta from Monday 9 November.\n3. Public launch on Tuesday 17 November.\n\nPlease reply with concerns by Wednesday. Priya, can you confirm the OAuth verification is on track?\n\nThanks,\nDaniel",
            unread: false,
        },
        ThreadPost {
            author: Author::Priya,
            date: at(10, 26, 10, 47, 0),
            text: "The OAuth verification request went in last Thursday. Google\u{2019}s reviewers usually need three to five working days.\n\nThe one open item is the privacy policy link on the consent screen: it still points to the old site.\n\nPriya",
            unread: false,
        },
        ThreadPost {
            author: Author::Tom,
            date: at(10, 26, 14, 3, 0),
            text: "A freeze on the 6th works for the backend. The Redis migration lands on Monday; I'd like one more load test after that before we call it done.\n\nTom",
            unread: false,
        },
        ThreadPost {
            author: Author::Owner,
            date: at(10, 26, 16, 20, 0),
            text: "The frontend is fine with these dates. I'll have the empty state and the error pages done by Friday.\n\nTom, could you share the load test numbers when you have them?",
            unread: false,
        },
        ThreadPost {
            author: Author::Chen,
            date: at(10, 27, 8, 55, 0),
            text: "From the QA side: I need the beta build by 9 November, 10:00 at the latest, to run the full regression suite before people start using it.\n\nChen",
            unread: false,
        },
        ThreadPost {
            author: Author::Daniel,
            date: at(10, 27, 11, 30, 0),
            text: "Thanks, everyone. Priya, who owns the privacy policy link? If it's Legal, let's ask them today so it doesn't block the verification.\n\nDaniel",
            unread: false,
        },
        ThreadPost {
            author: Author::Priya,
            date: at(10, 27, 12, 2, 0),
            text: "Legal has the new text; I'm chasing them this afternoon.",
            unread: false,
        },
        ThreadPost {
            author: Author::Tom,
            date: at(10, 29, 17, 41, 0),
            text: "Load test results after the Redis migration:\n\n- p50 latency 38 ms, p99 180 ms at 300 requests/s\n- no errors over 30 minutes\n- Redis CPU peaked at 35%\n\nI'm happy with that.\n\nTom",
            unread: false,
        },
        ThreadPost {
            author: Author::Owner,
            date: at(10, 30, 9, 15, 0),
            text: "Nice numbers! One thing from my side: the unread badge double-counts a conversation when two of its messages are unread. Gmail counts threads there, we count messages.",
            unread: false,
        },
        ThreadPost {
            author: Author::Tom,
            date: at(10, 30, 11, 8, 0),
            text: "Good catch. The fix is up as PR #131 and needs a review.\n\nTom",
            unread: true,
        },
        ThreadPost {
            author: Author::Chen,
            date: at(11, 2, 15, 26, 0),
            text: "The regression suite passes on the beta candidate, except for two flaky tests in the token refresh path. I've opened an issue and I'm looking into them today.\n\nChen",
            unread: true,
        },
        ThreadPost {
            author: Author::Daniel,
            date: at(11, 3, 9, 0, 0),
            text: "Summary so far:\n\n- backend ready, load test passed\n- badge fix in review (PR #131)\n- two flaky tests under investigation\n- waiting for Legal and the OAuth verification\n\nWe're still on track for the 17th.\n\nDaniel",
            unread: true,
        },
        ThreadPost {
            author: Author::Priya,
            date: at(11, 4, 13, 37, 0),
            text: "Good news: the privacy policy link is live, and the OAuth verification was approved this morning!\n\nPriya",
            unread: true,
        },
        ThreadPost {
            author: Author::Daniel,
            date: at(11, 5, 8, 45, 0),
            text: "Fantastic. We\u{2019}re go for the launch on 17 November. Thank you all \u{2014} drinks are on me on the 18th.\n\nDaniel",
            unread: true,
        },
    ];

    let team = [daniel(), priya(), tom(), chen()];
    let person = |author: Author| match author {
        Author::Daniel => team[0].clone(),
        Author::Priya => team[1].clone(),
        Author::Tom => team[2].clone(),
        Author::Chen => team[3].clone(),
        Author::Owner => owner.clone(),
    };

    let mut drafts = Vec::new();
    let mut previous: Option<(Person, DateTime<FixedOffset>, &str)> = None;
    for post in &posts {
        let author = person(post.author);
        let subject = if previous.is_none() {
            SUBJECT.to_string()
        } else {
            format!("Re: {SUBJECT}")
        };
        let text = match &previous {
            Some((previous_author, previous_date, previous_text)) => {
                quoted_reply(post.text, previous_author, *previous_date, previous_text)
            }
            None => post.text.to_string(),
        };
        let draft = match post.author {
            Author::Owner => {
                let replied_to = previous
                    .as_ref()
                    .map(|(person, _, _)| person.clone())
                    .unwrap_or_else(daniel);
                let others: Vec<&Person> = team
                    .iter()
                    .filter(|member| member.email != replied_to.email)
                    .collect();
                Draft::new(owner, &replied_to, post.date, subject, text.clone())
                    .alternative(html_from_text(&text))
                    .cc(&others)
                    .sent()
            }
            // Tom writes plain text from a terminal mailer.
            Author::Tom => {
                let others: Vec<&Person> = team
                    .iter()
                    .filter(|member| member.email != author.email)
                    .collect();
                Draft::new(&author, owner, post.date, subject, text.clone())
                    .cc(&others)
                    .header("User-Agent", "NeoMutt/20240425")
                    .unread_if(post.unread)
            }
            _ => {
                let others: Vec<&Person> = team
                    .iter()
                    .filter(|member| member.email != author.email)
                    .collect();
                Draft::new(&author, owner, post.date, subject, text.clone())
                    .alternative(html_from_text(&text))
                    .cc(&others)
                    .unread_if(post.unread)
            }
        };
        let draft = match post.author {
            Author::Daniel => draft.important(),
            _ => draft,
        };
        drafts.push(draft.thread("launch-plan"));
        previous = Some((author, post.date, post.text));
    }
    if let Some(last) = drafts.pop() {
        drafts.push(last.starred());
    }
    drafts
}

/// One-to-one mail with colleagues: attachments, a nested HTML mail with an
/// inline screenshot, short threads with the owner's replies.
pub(super) fn colleague_mail(owner: &Person) -> Vec<Draft> {
    let (daniel, priya, tom, chen) = (daniel(), priya(), tom(), chen());
    let metrics_csv = assets::text_file(&[
        "month,active_users,unread_checks,median_unread,p99_latency_ms",
        "2026-07,1840,51200,7,210",
        "2026-08,2315,66010,6,195",
        "2026-09,2960,90475,6,182",
    ]);
    let standup_notes = assets::text_file(&[
        "Stand-up, Monday 14 September 2026",
        "",
        "Daniel: hiring loop for the frontend role, two interviews this week.",
        "Priya: consent screen copy, OAuth scopes review.",
        "Tom: Redis migration plan, staging first.",
        "Chen: regression suite for the label filters.",
        "",
        "Blockers: none.",
    ]);
    let review_checklist = assets::text_file(&[
        "Empty inbox screen - copy variants",
        "A: You're all caught up.",
        "B: No unread mail. Enjoy the quiet.",
        "C: Inbox zero! Nothing new since your last visit.",
    ]);
    let security_pdf = assets::pdf_document(
        "Security review: gmail-unread",
        &[
            "Scope: OAuth flow, token storage, session cookies.",
            "1. PKCE S256 is used for every authorization request: OK.",
            "2. Refresh tokens are encrypted at rest (AES-256-GCM): OK.",
            "3. Session cookie lacks the SameSite attribute: FIX.",
            "4. Token endpoint errors are logged with the code: FIX (redact).",
            "Reviewer: Priya Raman, 12 November 2026.",
        ],
    );

    let q3_text = wrapped(&[
        "Hi,",
        "Attached is the Q3 metrics export you asked for. Active users grew about 28% month over month; the median number of unread messages per check stayed at six.",
        "Shout if you need it split by region.",
        "Tom",
    ]);
    let q3_reply = quoted_reply(
        "Thanks Tom, that's exactly what I needed. Could you add the p99 latency per month as well?",
        &tom,
        at(8, 28, 15, 2, 1),
        &q3_text,
    );
    let q3_followup = quoted_reply(
        "It's already in there: the last column. I renamed it to p99_latency_ms to make it obvious.\n\nTom",
        owner,
        at(8, 28, 16, 40, 1),
        "Thanks Tom, that's exactly what I needed. Could you add the p99 latency per month as well?",
    );

    let design_text = paragraphs(&[
        "Hi,",
        "Here's the new empty inbox screen for the review on Thursday. The illustration is inline below; the copy variants are in the attached file.",
        "Which variant do you prefer? I lean towards B.",
        "Priya",
    ]);
    let design_html = "<div dir=\"ltr\"><p>Hi,</p>\n<p>Here&#39;s the new empty inbox screen for the review on Thursday. The illustration is inline below; the copy variants are in the attached file.</p>\n<p><img src=\"cid:ii_empty_state\" alt=\"Empty inbox illustration\" width=\"320\" height=\"240\"></p>\n<p>Which variant do you prefer? I lean towards <b>B</b>.</p>\n<p>Priya</p></div>\n";

    let holiday_request = "Hi Daniel,\n\nI'd like to take 21\u{2013}23 December off. The launch will be long done by then, and Chen has agreed to cover on-call.\n\nThanks!";
    let offsite_text = wrapped(&[
        "Hi all,",
        "The team offsite is confirmed: Lisbon, 2\u{2013}4 December. Flights are booked through the travel desk; the hotel is the Casa do Rio, and the budget for dinners is \u{20ac}45 per person per day.",
        "Agenda to follow next week.",
        "Daniel",
    ]);

    vec![
        Draft::new(&tom, owner, at(8, 28, 15, 2, 1), "Q3 metrics export", q3_text)
            .attachments(vec![Attachment::new("q3-metrics.csv", "text/csv", metrics_csv)])
            .thread("q3-metrics"),
        Draft::new(owner, &tom, at(8, 28, 16, 40, 1), "Re: Q3 metrics export", q3_reply.clone())
            .alternative(html_from_text(&q3_reply))
            .thread("q3-metrics")
            .sent(),
        Draft::new(&tom, owner, at(8, 28, 17, 5, 1), "Re: Q3 metrics export", q3_followup)
            .thread("q3-metrics"),
        Draft::new(
            &chen,
            owner,
            at(9, 14, 10, 20, 1),
            "Stand-up notes 2026-09-14",
            "Notes from this morning's stand-up are attached.\n\nChen",
        )
        .attachments(vec![Attachment::new("standup-notes.txt", "text/plain", standup_notes)])
        .cc(&[&daniel, &priya, &tom]),
        Draft::new(
            &daniel,
            owner,
            at(9, 16, 8, 5, 1),
            "1:1 agenda for Thursday",
            "Hi,\n\nFor Thursday:\n\n- your goals for Q4\n- the frontend hiring loop\n- feedback on the design review process\n\nAdd anything you like.\n\nDaniel",
        )
        .alternative(html_from_text("Hi,\n\nFor Thursday:\n\n- your goals for Q4\n- the frontend hiring loop\n- feedback on the design review process\n\nAdd anything you like.\n\nDaniel"))
        .important(),
        Draft::new(&priya, owner, at(10, 8, 16, 45, 1), "Design review: empty inbox screen", design_text)
            .nested_related(
                design_html,
                InlineImage {
                    filename: "empty-state.png".to_string(),
                    content_id: "ii_empty_state".to_string(),
                    data: assets::photo_png(32, 24, [255, 214, 102]),
                },
                vec![Attachment::new("copy-variants.txt", "text/plain", review_checklist)],
            )
            .cc(&[&daniel])
            .unread(),
        Draft::new(&daniel, owner, at(10, 19, 12, 0, 1), "Offsite in Lisbon \u{2013} travel details", offsite_text.clone())
            .alternative(html_from_text(&offsite_text))
            .cc(&[&priya, &tom, &chen])
            .important(),
        Draft::new(
            &tom,
            owner,
            at(10, 23, 9, 30, 1),
            "Redis upgrade window on Saturday",
            wrapped(&[
                "Heads-up: Redis on staging and production will be upgraded on Saturday between 07:00 and 08:00 UTC. Expect sessions to survive; rate-limit counters will reset.",
                "Tom",
            ]),
        )
        .header("User-Agent", "NeoMutt/20240425"),
        Draft::new(owner, &daniel, at(11, 9, 10, 2, 0), "Holiday request: 21\u{2013}23 December", holiday_request)
            .thread("holiday")
            .sent(),
        Draft::new(
            &daniel,
            owner,
            at(11, 9, 11, 48, 0),
            "Re: Holiday request: 21\u{2013}23 December",
            quoted_reply("Approved, enjoy the break!\n\nDaniel", owner, at(11, 9, 10, 2, 0), holiday_request),
        )
        .thread("holiday")
        .unread(),
        Draft::new(
            &priya,
            owner,
            at(11, 12, 17, 10, 0),
            "Security review findings (PKCE, token storage)",
            wrapped(&[
                "Hi,",
                "The security review is done; the report is attached. Two things to fix before the launch: the session cookie needs SameSite=Lax, and the token endpoint errors must not be logged with the authorization code.",
                "Everything else looks good.",
                "Priya",
            ]),
        )
        .alternative("<div dir=\"ltr\"><p>Hi,</p>\n<p>The security review is done; the report is attached. Two things to fix before the launch: the session cookie needs <code>SameSite=Lax</code>, and the token endpoint errors must not be logged with the authorization code.</p>\n<p>Everything else looks good.</p>\n<p>Priya</p></div>\n")
        .attachments(vec![Attachment::new("security-review.pdf", "application/pdf", security_pdf)])
        .important()
        .starred()
        .unread(),
        Draft::new(
            &chen,
            owner,
            at(11, 13, 11, 55, 0),
            "Flaky test report",
            "Both flaky tests came from the same race: the refresh task and the\nrequest handler both refreshed an expired token. Fixed by taking the\nper-account lock first. 200 runs, no failure since.\n\nChen",
        )
        .unread(),
        Draft::new(
            &chen,
            owner,
            at(11, 19, 12, 15, 0),
            "Lunch on Friday? \u{1f35c}",
            "There's a new ramen place next to the office \u{1f35c} \u{2014} shall we try it on Friday at 12:30?\n\nChen",
        )
        .unread(),
    ]
}

/// The colleague mail of the small mailbox.
pub(super) fn small_colleague_mail(owner: &Person) -> Vec<Draft> {
    let (daniel, tom) = (daniel(), tom());
    let roadmap = assets::text_file(&[
        "quarter,theme,owner",
        "Q1 2027,Mobile layout,Priya",
        "Q2 2027,Shared inboxes,Tom",
        "Q3 2027,Offline mode,Chen",
    ]);
    vec![
        Draft::new(
            &daniel,
            owner,
            at(11, 16, 9, 40, 0),
            "Roadmap draft for 2027",
            wrapped(&[
                "Hi,",
                "Attached is the first draft of next year's roadmap. Comments welcome before Friday.",
                "Daniel",
            ]),
        )
        .attachments(vec![Attachment::new("roadmap-2027.csv", "text/csv", roadmap)])
        .important()
        .unread(),
        Draft::new(
            &tom,
            owner,
            at(11, 18, 14, 5, 0),
            "Staging is back",
            "Staging is back up after the certificate renewal. Sorry for the noise!\n\nTom",
        ),
    ]
}

/// What happened on the forge.
#[derive(Clone, Copy)]
pub(super) enum ForgeAction {
    OpenedPull,
    OpenedIssue,
    Commented,
    Approved,
    Merged,
    Closed,
}

/// One forge notification.
pub(super) struct ForgeEvent {
    pub when: (u32, u32, u32, u32),
    pub actor: &'static str,
    pub action: ForgeAction,
    /// Pull request or issue number; notifications about one number form a thread.
    pub number: u32,
    pub is_pull: bool,
    pub title: &'static str,
    pub body: &'static str,
    pub unread: bool,
}

const fn forge_event(
    when: (u32, u32, u32, u32),
    actor: &'static str,
    action: ForgeAction,
    number: u32,
    title: &'static str,
    body: &'static str,
    unread: bool,
) -> ForgeEvent {
    ForgeEvent {
        when,
        actor,
        action,
        number,
        is_pull: number % 2 == 1,
        title,
        body,
        unread,
    }
}

// Odd numbers are pull requests, even numbers issues.
pub(super) const LARGE_FORGE_EVENTS: &[ForgeEvent] = &[
    forge_event(
        (9, 2, 10, 14),
        "Tom Becker",
        ForgeAction::OpenedPull,
        101,
        "Move sessions to Redis",
        "This replaces the in-memory session store with Redis so that we can run more than one frontend instance.\n\n- sessions expire after 12 hours of inactivity\n- the store is behind a trait, so tests keep using memory",
        false,
    ),
    forge_event(
        (9, 2, 16, 31),
        "Priya Raman",
        ForgeAction::Approved,
        101,
        "Move sessions to Redis",
        "Looks good. Please add a note about the eviction policy to the README.",
        false,
    ),
    forge_event(
        (9, 3, 9, 5),
        "Tom Becker",
        ForgeAction::Merged,
        101,
        "Move sessions to Redis",
        "",
        false,
    ),
    forge_event(
        (9, 10, 13, 22),
        "Priya Raman",
        ForgeAction::OpenedIssue,
        118,
        "Refresh token not rotated after revoke",
        "Steps to reproduce:\n\n1. Sign in and wait for a token refresh.\n2. Revoke access in the Google account settings.\n3. Sign in again.\n\nExpected: a new refresh token is stored. Actual: the old (revoked) token is kept and every refresh fails with invalid_grant.",
        false,
    ),
    forge_event(
        (9, 11, 8, 47),
        "Daniel Okafor",
        ForgeAction::Commented,
        118,
        "Refresh token not rotated after revoke",
        "Confirmed on staging. Google only sends a refresh token on first consent, so we must replace the stored one whenever a new one arrives.",
        false,
    ),
    forge_event(
        (9, 15, 17, 3),
        "Tom Becker",
        ForgeAction::Closed,
        118,
        "Refresh token not rotated after revoke",
        "",
        false,
    ),
    forge_event(
        (9, 24, 11, 40),
        "Chen Wei",
        ForgeAction::OpenedPull,
        127,
        "Add Japanese translations",
        "Adds ja-JP strings for the whole UI. Dates use the \u{5e74}\u{6708}\u{65e5} format; the unread count uses \u{4ef6} (\u{300c}\u{672a}\u{8aad} 3 \u{4ef6}\u{300d}).",
        false,
    ),
    forge_event(
        (9, 25, 9, 12),
        "Priya Raman",
        ForgeAction::Commented,
        127,
        "Add Japanese translations",
        "Thanks! Could a native speaker review the error messages? Some of them read like machine translation.",
        true,
    ),
    forge_event(
        (10, 5, 14, 28),
        "Chen Wei",
        ForgeAction::OpenedPull,
        133,
        "Decode ISO-2022-JP and Shift_JIS subjects",
        "Subjects like =?ISO-2022-JP?B?...?= were shown raw. This decodes RFC 2047 words in every charset encoding_rs knows, with tests for ISO-2022-JP, Shift_JIS and ISO-8859-1.",
        true,
    ),
    forge_event(
        (10, 6, 10, 2),
        "Tom Becker",
        ForgeAction::Approved,
        133,
        "Decode ISO-2022-JP and Shift_JIS subjects",
        "Nice test coverage. Ship it.",
        true,
    ),
    forge_event(
        (10, 6, 10, 30),
        "Chen Wei",
        ForgeAction::Merged,
        133,
        "Decode ISO-2022-JP and Shift_JIS subjects",
        "",
        true,
    ),
    forge_event(
        (10, 14, 15, 55),
        "Daniel Okafor",
        ForgeAction::OpenedIssue,
        140,
        "Snippet shows &#39; instead of an apostrophe",
        "Gmail escapes snippets as HTML. We show them as text, so \"don't\" appears as \"don&#39;t\". We need to unescape before rendering (and then escape again in the template).",
        true,
    ),
    forge_event(
        (10, 15, 9, 20),
        "Priya Raman",
        ForgeAction::Commented,
        140,
        "Snippet shows &#39; instead of an apostrophe",
        "Same for &amp; and &quot;. I'll take this one.",
        true,
    ),
    forge_event(
        (10, 30, 11, 5),
        "Tom Becker",
        ForgeAction::OpenedPull,
        131,
        "Fix double counting of unread threads in the badge",
        "The badge now counts conversations, like Gmail's threadsUnread, instead of messages.",
        true,
    ),
    forge_event(
        (10, 31, 9, 48),
        "Chen Wei",
        ForgeAction::Commented,
        131,
        "Fix double counting of unread threads in the badge",
        "Could you add a test with two unread messages in one thread and one read message in another?",
        true,
    ),
    forge_event(
        (11, 2, 16, 12),
        "Tom Becker",
        ForgeAction::Commented,
        131,
        "Fix double counting of unread threads in the badge",
        "Done, see the new test in badge_counts_threads.",
        true,
    ),
    forge_event(
        (11, 3, 10, 40),
        "Priya Raman",
        ForgeAction::Approved,
        131,
        "Fix double counting of unread threads in the badge",
        "LGTM.",
        true,
    ),
    forge_event(
        (11, 11, 13, 30),
        "Chen Wei",
        ForgeAction::OpenedPull,
        147,
        "Retry Gmail 429 responses with backoff",
        "Honours Retry-After when present; otherwise exponential backoff from 1 s, capped at 32 s, at most 5 attempts.",
        true,
    ),
    forge_event(
        (11, 17, 8, 25),
        "Daniel Okafor",
        ForgeAction::OpenedIssue,
        152,
        "Empty state illustration is blurry on HiDPI screens",
        "The PNG is 320x240 and gets upscaled on 2x displays. Can we ship an SVG instead?",
        true,
    ),
    forge_event(
        (11, 19, 15, 10),
        "Tom Becker",
        ForgeAction::Commented,
        152,
        "Empty state illustration is blurry on HiDPI screens",
        "An SVG is 3 KB, smaller than the PNG. I'll export one.",
        true,
    ),
];

pub(super) const SMALL_FORGE_EVENTS: &[ForgeEvent] = &[
    forge_event(
        (11, 4, 9, 30),
        "Chen Wei",
        ForgeAction::OpenedPull,
        211,
        "Add a dark theme",
        "Follows the system preference and adds a toggle in the settings.",
        false,
    ),
    forge_event(
        (11, 5, 14, 2),
        "Priya Raman",
        ForgeAction::Approved,
        211,
        "Add a dark theme",
        "Lovely. Contrast ratios all pass.",
        false,
    ),
    forge_event(
        (11, 6, 10, 0),
        "Chen Wei",
        ForgeAction::Merged,
        211,
        "Add a dark theme",
        "",
        false,
    ),
    forge_event(
        (11, 12, 11, 15),
        "Tom Becker",
        ForgeAction::OpenedIssue,
        214,
        "Sign-out does not revoke the Google token",
        "We only drop the session; the refresh token stays valid at Google.",
        true,
    ),
    forge_event(
        (11, 13, 16, 45),
        "Daniel Okafor",
        ForgeAction::Commented,
        214,
        "Sign-out does not revoke the Google token",
        "Agreed, call the revoke endpoint on sign-out.",
        false,
    ),
    forge_event(
        (11, 19, 10, 20),
        "Chen Wei",
        ForgeAction::OpenedPull,
        217,
        "Revoke the token on sign-out",
        "Calls the revocation endpoint, then deletes the stored tokens.",
        true,
    ),
];

/// Forge notifications, threaded per pull request or issue.
pub(super) fn forge_notifications(owner: &Person, events: &[ForgeEvent]) -> Vec<Draft> {
    const REPOSITORY: &str = "northwind/unread-digest";
    let forge = forge();
    let mut seen_numbers: Vec<u32> = Vec::new();
    events
        .iter()
        .enumerate()
        .map(|(index, event)| {
            let (kind, path) = if event.is_pull {
                ("PR", "pull")
            } else {
                ("Issue", "issues")
            };
            let url = format!(
                "https://gitforge.example/{REPOSITORY}/{path}/{}#event-{}",
                event.number,
                4_410_000 + index * 37
            );
            let is_reply = seen_numbers.contains(&event.number);
            seen_numbers.push(event.number);
            let subject = format!(
                "{}[{REPOSITORY}] {} ({kind} #{})",
                if is_reply { "Re: " } else { "" },
                event.title,
                event.number
            );
            let first_name = event.actor.split(' ').next().unwrap_or(event.actor);
            let lead = match event.action {
                ForgeAction::OpenedPull => format!(
                    "{}\n\nYou can view, comment on, or merge this pull request online at:\n\n  {url}",
                    event.body
                ),
                ForgeAction::OpenedIssue | ForgeAction::Commented => event.body.to_string(),
                ForgeAction::Approved => {
                    format!("@{first_name} approved this pull request.\n\n{}", event.body)
                }
                ForgeAction::Merged => format!("Merged #{} into main.", event.number),
                ForgeAction::Closed => format!("Closed #{} as completed.", event.number),
            };
            let reason = if matches!(event.action, ForgeAction::OpenedPull | ForgeAction::OpenedIssue) {
                "you are watching this repository"
            } else {
                "you are subscribed to this thread"
            };
            let text = format!(
                "{lead}\n\n\u{2014}\nReply to this email directly, view it on GitForge:\n{url}\nYou are receiving this because {reason}."
            );
            let category = if event.is_pull {
                Category::Updates
            } else {
                Category::Forums
            };
            Draft::new(
                &forge.via(event.actor),
                owner,
                at(event.when.0, event.when.1, event.when.2, event.when.3, 0),
                subject,
                text.clone(),
            )
            .alternative(html_from_text(&text))
            .header(
                "List-ID",
                format!("{REPOSITORY} <unread-digest.northwind.gitforge.example>"),
            )
            .header(
                "List-Unsubscribe",
                format!("<https://gitforge.example/notifications/unsubscribe/{}>", event.number),
            )
            .header("X-GitForge-Reason", if is_reply { "subscribed" } else { "watching" })
            .category(category)
            .thread(format!("forge-{}", event.number))
            .unread_if(event.unread)
        })
        .collect()
}

/// One CI pipeline run.
pub(super) struct CiRun {
    pub when: (u32, u32, u32, u32),
    pub pipeline: u32,
    pub commit: &'static str,
    pub commit_title: &'static str,
    pub author: &'static str,
    /// The step that failed, if any.
    pub failed_step: Option<&'static str>,
    pub duration: &'static str,
    pub unread: bool,
}

pub(super) const LARGE_CI_RUNS: &[CiRun] = &[
    CiRun {
        when: (8, 4, 11, 2),
        pipeline: 402,
        commit: "3f9c2a1",
        commit_title: "Add label filter to the list endpoint",
        author: "Chen Wei",
        failed_step: None,
        duration: "3m 41s",
        unread: false,
    },
    CiRun {
        when: (8, 19, 16, 48),
        pipeline: 431,
        commit: "b7e01d4",
        commit_title: "Render HTML-only mail as text",
        author: "Priya Raman",
        failed_step: Some("test (gmail-service)"),
        duration: "5m 02s",
        unread: false,
    },
    CiRun {
        when: (9, 3, 9, 20),
        pipeline: 455,
        commit: "e2a9f70",
        commit_title: "Move sessions to Redis",
        author: "Tom Becker",
        failed_step: None,
        duration: "4m 10s",
        unread: false,
    },
    CiRun {
        when: (9, 30, 14, 11),
        pipeline: 488,
        commit: "5c1d8e2",
        commit_title: "Bump actix-web to 4.11",
        author: "Tom Becker",
        failed_step: Some("clippy"),
        duration: "1m 55s",
        unread: true,
    },
    CiRun {
        when: (10, 6, 10, 41),
        pipeline: 497,
        commit: "a04f3b9",
        commit_title: "Decode ISO-2022-JP and Shift_JIS subjects",
        author: "Chen Wei",
        failed_step: None,
        duration: "4m 33s",
        unread: true,
    },
    CiRun {
        when: (10, 28, 18, 3),
        pipeline: 523,
        commit: "7d2c6a0",
        commit_title: "Load test harness for the gmail-service",
        author: "Tom Becker",
        failed_step: Some("load-test"),
        duration: "12m 40s",
        unread: true,
    },
    CiRun {
        when: (11, 3, 10, 52),
        pipeline: 536,
        commit: "c9b8f11",
        commit_title: "Fix double counting of unread threads",
        author: "Tom Becker",
        failed_step: None,
        duration: "4m 21s",
        unread: true,
    },
    CiRun {
        when: (11, 18, 7, 30),
        pipeline: 561,
        commit: "1e5a7c3",
        commit_title: "Nightly dependency audit",
        author: "Northwind CI",
        failed_step: Some("cargo-deny"),
        duration: "2m 09s",
        unread: true,
    },
];

pub(super) const SMALL_CI_RUNS: &[CiRun] = &[
    CiRun {
        when: (11, 6, 10, 12),
        pipeline: 602,
        commit: "4b2e9d1",
        commit_title: "Add a dark theme",
        author: "Chen Wei",
        failed_step: None,
        duration: "3m 58s",
        unread: false,
    },
    CiRun {
        when: (11, 10, 15, 40),
        pipeline: 611,
        commit: "8a1f0c7",
        commit_title: "Tidy the settings page",
        author: "Priya Raman",
        failed_step: Some("test (frontend)"),
        duration: "4m 47s",
        unread: false,
    },
    CiRun {
        when: (11, 14, 9, 5),
        pipeline: 619,
        commit: "d3c5b2e",
        commit_title: "Tidy the settings page (fix)",
        author: "Priya Raman",
        failed_step: None,
        duration: "4m 02s",
        unread: false,
    },
    CiRun {
        when: (11, 20, 7, 30),
        pipeline: 633,
        commit: "6f0e4a8",
        commit_title: "Nightly dependency audit",
        author: "Northwind CI",
        failed_step: Some("cargo-deny"),
        duration: "2m 11s",
        unread: true,
    },
];

pub(super) const ALL_READ_CI_RUNS: &[CiRun] = &[
    CiRun {
        when: (10, 2, 12, 30),
        pipeline: 701,
        commit: "2c7d9e4",
        commit_title: "First commit of the mobile layout",
        author: "Chen Wei",
        failed_step: None,
        duration: "3m 12s",
        unread: false,
    },
    CiRun {
        when: (10, 9, 17, 5),
        pipeline: 708,
        commit: "9e3a1b6",
        commit_title: "Mobile layout: navigation drawer",
        author: "Chen Wei",
        failed_step: Some("test (frontend)"),
        duration: "4m 40s",
        unread: false,
    },
];

/// CI reports: plain ASCII text, 7bit.
pub(super) fn ci_reports(owner: &Person, runs: &[CiRun]) -> Vec<Draft> {
    let ci = ci();
    runs.iter()
        .map(|run| {
            const STEPS: [&str; 5] = ["fmt", "clippy", "test (gmail-service)", "test (frontend)", "deploy-staging"];
            let outcome = if run.failed_step.is_some() {
                "failed"
            } else {
                "passed"
            };
            let failed_position = run
                .failed_step
                .and_then(|failed| STEPS.iter().position(|&step| step == failed));
            let mut steps: Vec<String> = STEPS
                .iter()
                .enumerate()
                .map(|(position, step)| {
                    let status = match failed_position {
                        Some(failed) if position == failed => "[FAILED]",
                        Some(failed) if position > failed => "[skip]  ",
                        _ => "[ok]    ",
                    };
                    format!("  {status} {step}")
                })
                .collect();
            if let (Some(failed), None) = (run.failed_step, failed_position) {
                steps.push(format!("  [FAILED] {failed}"));
            }
            let text = format!(
                "Pipeline #{} on main {outcome} after {}.\n\nCommit:  {} \"{}\" ({})\nBranch:  main\n\nSteps:\n{}\n\nLogs: https://ci.northwind.example/pipelines/{}",
                run.pipeline,
                run.duration,
                run.commit,
                run.commit_title,
                run.author,
                steps.join("\n"),
                run.pipeline
            );
            let subject = format!("[Northwind CI] main #{} {outcome} ({})", run.pipeline, run.duration);
            let draft = Draft::new(&ci, owner, at(run.when.0, run.when.1, run.when.2, run.when.3, 0), subject, text)
                .header("X-CI-Pipeline", run.pipeline.to_string())
                .category(Category::Updates)
                .unread_if(run.unread);
            if run.failed_step.is_some() {
                draft.important()
            } else {
                draft
            }
        })
        .collect()
}

/// A meeting invitation.
pub(super) struct Meeting {
    pub sent: (u32, u32, u32, u32),
    pub title: &'static str,
    /// Start in UTC: month, day, hour, minute; meetings last an hour.
    pub starts: (u32, u32, u32, u32),
    pub organizer: &'static str,
    pub room: &'static str,
    pub unread: bool,
}

pub(super) const LARGE_MEETINGS: &[Meeting] = &[
    Meeting {
        sent: (8, 10, 9, 0),
        title: "Sprint planning",
        starts: (8, 11, 9, 30),
        organizer: "Daniel Okafor",
        room: "Thames room",
        unread: false,
    },
    Meeting {
        sent: (9, 21, 14, 30),
        title: "OAuth consent screen review",
        starts: (9, 23, 14, 0),
        organizer: "Priya Raman",
        room: "Video call",
        unread: false,
    },
    Meeting {
        sent: (11, 5, 9, 10),
        title: "Launch go/no-go",
        starts: (11, 16, 15, 0),
        organizer: "Daniel Okafor",
        room: "Thames room",
        unread: true,
    },
    Meeting {
        sent: (11, 18, 16, 0),
        title: "Launch retrospective",
        starts: (11, 24, 10, 0),
        organizer: "Chen Wei",
        room: "Severn room",
        unread: true,
    },
];

pub(super) const SMALL_MEETINGS: &[Meeting] = &[
    Meeting {
        sent: (11, 9, 9, 0),
        title: "Roadmap 2027 kick-off",
        starts: (11, 23, 10, 0),
        organizer: "Daniel Okafor",
        room: "Thames room",
        unread: true,
    },
    Meeting {
        sent: (11, 15, 12, 0),
        title: "Dark theme demo",
        starts: (11, 17, 16, 0),
        organizer: "Chen Wei",
        room: "Video call",
        unread: false,
    },
];

/// Calendar invitations: text + HTML, and the event as an `.ics` attachment.
pub(super) fn calendar_invitations(owner: &Person, meetings: &[Meeting]) -> Vec<Draft> {
    let calendar = calendar();
    meetings
        .iter()
        .map(|meeting| {
            let (month, day, hour, minute) = meeting.starts;
            let starts = at(month, day, hour, minute, 0);
            let when = starts.format("%A %-d %B %Y, %H:%M").to_string();
            let until = at(month, day, hour + 1, minute, 0).format("%H:%M").to_string();
            let text = format!(
                "{organizer} has invited you to an event.\n\n{title}\nWhen: {when} \u{2013} {until} (UTC)\nWhere: {room}\nOrganizer: {organizer}\n\nGoing? Yes - Maybe - No\nhttps://calendar.northwind.example/event?id={month:02}{day:02}{hour:02}",
                organizer = meeting.organizer,
                title = meeting.title,
                room = meeting.room,
            );
            let stamp = |date: DateTime<FixedOffset>| date.format("%Y%m%dT%H%M%SZ").to_string();
            let sent = at(meeting.sent.0, meeting.sent.1, meeting.sent.2, meeting.sent.3, 0);
            let ics = assets::text_file(&[
                "BEGIN:VCALENDAR",
                "PRODID:-//Northwind//Calendar 1.0//EN",
                "VERSION:2.0",
                "METHOD:REQUEST",
                "BEGIN:VEVENT",
                &format!("DTSTART:{}", stamp(starts)),
                &format!("DTEND:{}", stamp(at(month, day, hour + 1, minute, 0))),
                &format!("DTSTAMP:{}", stamp(sent)),
                &format!("UID:{month:02}{day:02}{hour:02}@calendar.northwind.example"),
                &format!("SUMMARY:{}", meeting.title),
                &format!("LOCATION:{}", meeting.room),
                &format!("ORGANIZER;CN={}:mailto:calendar-notification@northwind.example", meeting.organizer),
                &format!("ATTENDEE;RSVP=TRUE:mailto:{}", owner.email),
                "END:VEVENT",
                "END:VCALENDAR",
            ]);
            let subject = format!(
                "Invitation: {} @ {} ({})",
                meeting.title,
                starts.format("%a %-d %b %Y %H:%M"),
                owner.email
            );
            Draft::new(&calendar.via(&format!("{} (Northwind Calendar)", meeting.organizer)), owner, sent, subject, text.clone())
                .alternative(html_from_text(&text))
                .attachments(vec![Attachment::new("invite.ics", "application/ics", ics)])
                .important()
                .unread_if(meeting.unread)
        })
        .collect()
}

/// A day's unread messages in the team chat.
pub(super) struct ChatDigest {
    pub when: (u32, u32, u32, u32),
    pub channel: &'static str,
    pub messages: &'static [(&'static str, &'static str)],
    pub unread: bool,
    pub trashed: bool,
}

pub(super) const LARGE_CHAT_DIGESTS: &[ChatDigest] = &[
    ChatDigest {
        when: (8, 7, 18, 0),
        channel: "#general",
        messages: &[
            ("Daniel Okafor", "Pizza on Friday for the release?"),
            ("Chen Wei", "Yes please \u{1f355}"),
        ],
        unread: false,
        trashed: true,
    },
    ChatDigest {
        when: (9, 18, 18, 0),
        channel: "#backend",
        messages: &[
            ("Tom Becker", "Redis on staging is ready for testing."),
            ("Priya Raman", "Thanks, starting the OAuth tests now."),
        ],
        unread: false,
        trashed: false,
    },
    ChatDigest {
        when: (10, 21, 18, 0),
        channel: "#frontend",
        messages: &[
            ("Priya Raman", "New icons are in Figma."),
            (
                "Chen Wei",
                "The Japanese strings overflow the badge on small screens.",
            ),
            ("Daniel Okafor", "Let's truncate with an ellipsis."),
        ],
        unread: true,
        trashed: false,
    },
    ChatDigest {
        when: (11, 10, 18, 0),
        channel: "#launch",
        messages: &[
            (
                "Daniel Okafor",
                "Beta is live for the whole company \u{1f389}",
            ),
            ("Tom Becker", "Dashboards look calm so far."),
        ],
        unread: true,
        trashed: false,
    },
    ChatDigest {
        when: (11, 17, 18, 0),
        channel: "#launch",
        messages: &[
            ("Daniel Okafor", "We are live! Thank you, everyone."),
            ("Priya Raman", "\u{1f680}\u{1f680}\u{1f680}"),
            ("Chen Wei", "Zero errors in the first hour."),
        ],
        unread: true,
        trashed: false,
    },
];

/// Team-chat digests ("You have unread messages in #channel").
pub(super) fn chat_digests(owner: &Person, digests: &[ChatDigest]) -> Vec<Draft> {
    let chatter = chatter();
    digests
        .iter()
        .map(|digest| {
            let lines: Vec<String> = digest
                .messages
                .iter()
                .map(|(author, message)| format!("{author}: {message}"))
                .collect();
            let text = format!(
                "You have {} unread messages in {} (Northwind workspace).\n\n{}\n\nOpen Chatter: https://northwind.chatter.example/channels/{}",
                digest.messages.len(),
                digest.channel,
                lines.join("\n"),
                digest.channel.trim_start_matches('#')
            );
            let draft = Draft::new(
                &chatter,
                owner,
                at(digest.when.0, digest.when.1, digest.when.2, digest.when.3, 0),
                format!("Unread messages in {}", digest.channel),
                text.clone(),
            )
            .alternative(html_from_text(&text))
            .category(Category::Updates)
            .unread_if(digest.unread);
            if digest.trashed { draft.trash() } else { draft }
        })
        .collect()
}
