//! Mail in other languages and charsets: Japanese in UTF-8 (base64,
//! quoted-printable, 8bit), ISO-2022-JP (7bit, `=?ISO-2022-JP?B?…?=`
//! subjects and names) and Shift_JIS (base64); German and French in
//! ISO-8859-1, ISO-8859-15 and windows-1252 (quoted-printable, `Q`-encoded
//! subjects). Bodies in legacy charsets never include the owner's name, which
//! those charsets might not be able to write.

use super::super::assets;
use super::super::mime::{Charset, HeaderStyle, TransferEncoding};
use super::{
    Attachment, Category, Draft, FilenameEncoding, Person, at, html_from_text, paragraphs,
};

fn yamada() -> Person {
    Person::styled(
        "山田 太郎",
        "taro.yamada@sakura-shoji.example.jp",
        HeaderStyle::ISO_2022_JP_B,
    )
}

fn sato() -> Person {
    Person::styled(
        "佐藤 花子",
        "hanako.sato@example.ne.jp",
        HeaderStyle::SHIFT_JIS_B,
    )
}

fn suzuki() -> Person {
    Person::new("鈴木 一郎", "ichiro.suzuki@tokyo-dev.example.jp")
}

fn tanaka() -> Person {
    Person::new("田中 美咲", "misaki.tanaka@example.jp")
}

fn sakura_travel() -> Person {
    Person::new("さくらトラベル", "info@sakura-travel.example.jp")
}

fn tokyo_camera() -> Person {
    Person::new("東京カメラ店", "shop@tokyo-camera.example.jp")
}

fn maria() -> Person {
    Person::new(
        "Maria Schneider",
        "maria.schneider@northwind-labs.example.de",
    )
}

fn juergen() -> Person {
    Person::styled(
        "Jürgen Müller",
        "juergen.mueller@example.de",
        HeaderStyle::LATIN1_Q,
    )
}

fn lukas() -> Person {
    Person::new("Lukas Weber", "lukas.weber@example.at")
}

fn sophie() -> Person {
    Person::new(
        "Sophie Laurent",
        "sophie.laurent@exemple-conseil.example.fr",
    )
}

fn bahn() -> Person {
    Person::new("Bahn Reisen", "buchung@bahn-reisen.example.de")
}

/// Japanese mail of the large mailbox.
pub(super) fn japanese_mail(owner: &Person) -> Vec<Draft> {
    let (yamada, sato, suzuki, tanaka) = (yamada(), sato(), suzuki(), tanaka());
    let first = owner.first_name();
    let name = owner.short_name();
    let iso_2022_jp = |draft: Draft| {
        draft
            .encoded(Charset::Iso2022Jp, TransferEncoding::SevenBit)
            .subject_style(HeaderStyle::ISO_2022_JP_B)
            .header("X-Mailer", "Becky! ver. 2.81.04")
    };
    let shift_jis = |draft: Draft| {
        draft
            .encoded(Charset::ShiftJis, TransferEncoding::Base64)
            .subject_style(HeaderStyle::SHIFT_JIS_B)
    };
    let utf8_base64 = |draft: Draft| draft.encoded(Charset::Utf8, TransferEncoding::Base64);

    let meeting_pdf = assets::pdf_document(
        "Meeting materials, October 2026",
        &[
            "1. Delivery schedule",
            "2. Revised estimate",
            "3. Open questions on the specification",
        ],
    );
    let review_checklist = "設計レビュー チェックリスト\r\n- 認証エラー時のレスポンス形式\r\n- ページングとpageTokenの有効期限\r\n- 未読件数の数え方（スレッド単位かメッセージ単位か）\r\n".as_bytes().to_vec();
    let endpoints_csv = assets::text_file(&[
        "method,path,description",
        "GET,/api/unread,未読メッセージの一覧",
        "GET,/api/unread/count,未読件数",
        "POST,/api/session/refresh,トークンの更新",
    ]);

    let study_text = paragraphs(&[
        &format!("{first}さん"),
        "お疲れさまです。鈴木です。",
        "昨日の勉強会、ご参加ありがとうございました。\n発表資料を共有します。",
        "・Rustの非同期処理入門\n・OAuth 2.0とPKCEの仕組み\n・メールの文字コード（ISO-2022-JPとShift_JIS）の話",
        "資料はこちらから見られます：\nhttps://wiki.tokyo-dev.example.jp/study/2026-09",
        "次回は十月二十二日の予定です。",
    ]);
    let moving_text = paragraphs(&[
        "皆さま",
        "こんばんは、田中美咲です。",
        "このたび、十一月二十八日に下記の住所へ引っ越すことになりました。",
        "〒150-0001\n東京都渋谷区神宮前一丁目二番三号",
        "お近くにお越しの際は、ぜひお立ち寄りください。\n今後ともよろしくお願いいたします。",
    ]);
    let booking_text = paragraphs(&[
        &format!("{name} 様"),
        "このたびは、さくらトラベルをご利用いただき、誠にありがとうございます。\n以下の内容でご予約を承りました。",
        "予約番号：ST-2026-104857\n宿泊施設：嵐山温泉 旅館はなれ\nチェックイン：2026年11月21日（土）15:00\nチェックアウト：2026年11月22日（日）10:00\n人数：大人2名\nお支払い金額：48,400円（税込）",
        "ご予約内容の確認・変更は、マイページから行えます。\nhttps://sakura-travel.example.jp/mypage",
        "ご来館を心よりお待ちしております。",
    ]);

    vec![
        iso_2022_jp(Draft::new(
            &yamada,
            owner,
            at(9, 18, 17, 30, 9),
            "会議の議事録をお送りします",
            paragraphs(&[
                "ご担当者様",
                "いつもお世話になっております。\nさくら商事の山田です。",
                "本日の打ち合わせの議事録をお送りします。\n内容をご確認のほど、よろしくお願いいたします。",
                "１．次回の納品日は十月十五日に決定しました。\n２．見積書は今週中に再提出いたします。\n３．仕様の変更点は、別途メールでご連絡します。",
                "ご不明な点がございましたら、お気軽にお知らせください。",
                "山田 太郎\n株式会社さくら商事　営業部",
            ]),
        ))
        .thread("yamada-minutes")
        .important(),
        iso_2022_jp(Draft::new(
            &yamada,
            owner,
            at(9, 19, 10, 5, 9),
            "Re: 会議の議事録をお送りします",
            paragraphs(&[
                "ご担当者様",
                "お世話になっております。山田です。",
                "昨日お送りした議事録に一点追記がございます。\n納品物の検収は、納品日から五営業日以内にお願いできればと存じます。",
                "引き続きよろしくお願いいたします。",
                "山田 太郎",
            ]),
        ))
        .thread("yamada-minutes"),
        iso_2022_jp(Draft::new(
            &yamada,
            owner,
            at(10, 2, 11, 20, 9),
            "見積書の再提出について",
            paragraphs(&[
                "ご担当者様",
                "いつもお世話になっております。\nさくら商事の山田です。",
                "先日ご依頼いただいた見積書を再提出いたします。\n前回からの変更点は以下の二点です。",
                "・保守費用を月額五万円から四万五千円に変更\n・納期を二週間前倒し",
                "金額の詳細は、来週の打ち合わせで改めてご説明いたします。\n何卒よろしくお願い申し上げます。",
                "山田 太郎",
            ]),
        ))
        .unread(),
        iso_2022_jp(Draft::new(
            &yamada,
            owner,
            at(11, 18, 9, 0, 9),
            "年末のご挨拶と今後の予定について",
            paragraphs(&[
                "ご担当者様",
                "いつも大変お世話になっております。\nさくら商事の山田です。",
                "早いもので、今年も残りわずかとなりました。\n本年も格別のお引き立てを賜り、誠にありがとうございました。",
                "弊社の年末年始の休業期間は、十二月二十九日から一月四日までとなります。\n休業期間中にいただいたお問い合わせには、一月五日以降に順次ご回答いたします。",
                "来年も変わらぬご愛顧のほど、よろしくお願い申し上げます。",
                "山田 太郎\n株式会社さくら商事　営業部",
            ]),
        ))
        .important()
        .unread(),
        shift_jis(Draft::new(
            &sato,
            owner,
            at(11, 4, 14, 10, 9),
            "来週の打ち合わせ日程のご相談",
            paragraphs(&[
                "ご担当者様",
                "いつもお世話になっております。佐藤です。",
                "来週の打ち合わせの日程について、ご相談させてください。\n以下の候補日のご都合はいかがでしょうか。",
                "・十一月十日（火）午後二時から\n・十一月十一日（水）午前十時から\n・十一月十三日（金）午後四時から",
                "ご都合のよい日時をお知らせいただけますと幸いです。\nよろしくお願いいたします。",
                "佐藤 花子",
            ]),
        ))
        .unread(),
        shift_jis(Draft::new(
            &sato,
            owner,
            at(10, 20, 16, 0, 9),
            "資料送付のお知らせ",
            paragraphs(&[
                "ご担当者様",
                "お世話になっております。佐藤です。",
                "先日の会議で使用した資料を添付にてお送りします。\nご査収のほど、よろしくお願いいたします。",
                "なお、資料の一部は社外秘となっておりますので、\n取り扱いにはご注意ください。",
                "佐藤 花子",
            ]),
        ))
        .attachments(vec![Attachment::new("会議資料_2026年10月.pdf", "application/pdf", meeting_pdf)]),
        shift_jis(Draft::new(
            &sato,
            owner,
            at(11, 16, 12, 30, 9),
            "忘年会のご案内",
            paragraphs(&[
                "皆様",
                "お疲れさまです。佐藤です。",
                "今年も忘年会を開催いたします。\nぜひご参加ください。",
                "日時：十二月十八日（金）午後七時から\n場所：新宿の和食店「かがり火」\n会費：五千円",
                "参加の可否を、十二月四日（金）までにお知らせください。",
            ]),
        ))
        .unread(),
        utf8_base64(Draft::new(
            &suzuki,
            owner,
            at(10, 8, 10, 15, 9),
            "新しいAPIの設計レビューのお願い",
            paragraphs(&[
                &format!("{first}さん"),
                "お疲れさまです。鈴木です。",
                "新しいメッセージ一覧APIの設計がまとまりましたので、レビューをお願いできますでしょうか。\nチェックリストとエンドポイントの一覧を添付しました。",
                "特に、ページングの方式（pageTokenを使う方式）について\nご意見をいただけると助かります。",
                "今週の金曜日までにコメントをいただけますと幸いです。",
                "鈴木",
            ]),
        ))
        .attachments(vec![
            Attachment::new("設計レビュー_チェックリスト.txt", "text/plain", review_checklist),
            Attachment::new("api-endpoints.csv", "text/csv", endpoints_csv),
        ])
        .unread(),
        utf8_base64(Draft::new(&suzuki, owner, at(9, 25, 18, 40, 9), "勉強会の資料を共有します", study_text.clone()))
            .alternative(html_from_text(&study_text)),
        Draft::new(
            &suzuki,
            owner,
            at(10, 29, 9, 30, 9),
            "来月のリリース計画について",
            paragraphs(&[
                &format!("{first}さん"),
                "おはようございます。鈴木です。",
                "来月のリリース計画を共有します。",
                "十一月九日：社内ベータ版の公開\n十一月十七日：正式リリース\n十一月二十四日：振り返り会",
                "リリース当日は、私が午前中の監視を担当します。\n午後の担当を決めたいので、ご都合を教えてください。",
                "よろしくお願いします。",
            ]),
        )
        .encoded(Charset::Utf8, TransferEncoding::EightBit)
        .unread(),
        Draft::new(
            &tanaka,
            owner,
            at(8, 24, 21, 15, 9),
            "週末の京都旅行の写真",
            paragraphs(&[
                &format!("{first}さん"),
                "こんばんは！美咲です。",
                "週末の京都旅行、本当に楽しかったね。\n嵐山の竹林と、清水寺からの夕焼けが最高だった。",
                "写真を一枚送るね。ほかの写真は、あとで共有アルバムに入れておきます。",
                "また一緒に旅行しようね！",
            ]),
        )
        .attachments(vec![
            Attachment::new("京都の写真.png", "image/png", assets::photo_png(40, 30, [255, 120, 40]))
                .filename_encoding(FilenameEncoding::Rfc2047),
        ])
        .starred(),
        Draft::new(
            &tanaka,
            owner,
            at(9, 9, 0, 5, 9),
            "お誕生日おめでとう！",
            paragraphs(&[
                &format!("{first}さん"),
                "お誕生日おめでとう！\u{1f382}",
                "素敵な一年になりますように。\n今度、お祝いにご飯を食べに行こう。来週の土曜日はどう？",
                "美咲",
            ]),
        )
        .subject_style(HeaderStyle::UTF8_Q),
        Draft::new(&tanaka, owner, at(11, 12, 20, 0, 9), "引っ越しのお知らせ", moving_text.clone())
            .alternative(html_from_text(&moving_text))
            .unread(),
        utf8_base64(Draft::new(
            &sakura_travel(),
            owner,
            at(10, 14, 15, 2, 9),
            "【さくらトラベル】ご予約確認：嵐山温泉 旅館はなれ",
            booking_text.clone(),
        ))
        .alternative(html_from_text(&booking_text))
        .category(Category::Updates),
        utf8_base64(Draft::new(
            &sakura_travel(),
            owner,
            at(10, 30, 12, 0, 9),
            "【さくらトラベル】秋の紅葉特集 最大30%オフ",
            paragraphs(&[
                "秋の紅葉特集",
                "紅葉の名所に近い宿を、期間限定で最大30%オフでご提供します。",
                "京都・嵐山：渡月橋まで徒歩5分の旅館\n栃木・日光：いろは坂を望む温泉宿\n奈良・吉野：山あいの古民家ホテル",
                "予約期間：11月15日まで ／ 宿泊期間：12月6日まで",
                "特集ページを見る",
                "配信停止をご希望の方はこちら。",
            ]),
        ))
        .html_only(concat!(
            "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"UTF-8\">\n<title>秋の紅葉特集</title>\n",
            "<style>\nh1 { color: #c0392b; }\nli { margin: 4px 0; }\n</style>\n</head>\n<body>\n",
            "<h1>秋の紅葉特集</h1>\n",
            "<p>紅葉の名所に近い宿を、期間限定で最大30%オフでご提供します。</p>\n",
            "<ul>\n<li>京都・嵐山：渡月橋まで徒歩5分の旅館</li>\n<li>栃木・日光：いろは坂を望む温泉宿</li>\n<li>奈良・吉野：山あいの古民家ホテル</li>\n</ul>\n",
            "<p>予約期間：11月15日まで&nbsp;／&nbsp;宿泊期間：12月6日まで</p>\n",
            "<p><a href=\"https://sakura-travel.example.jp/campaign/koyo\">特集ページを見る</a></p>\n",
            "<p>配信停止をご希望の方は<a href=\"https://sakura-travel.example.jp/unsubscribe\">こちら</a>。</p>\n",
            "</body>\n</html>",
        ))
        .header("List-Unsubscribe", "<https://sakura-travel.example.jp/unsubscribe>")
        .category(Category::Promotions)
        .unread(),
        Draft::new(
            &tokyo_camera(),
            owner,
            at(11, 6, 10, 30, 9),
            "【東京カメラ店】ご注文の商品を発送しました",
            paragraphs(&[
                &format!("{name} 様"),
                "東京カメラ店をご利用いただき、ありがとうございます。\nご注文の商品を本日発送いたしました。",
                "注文番号：TC-88231\n商品：単焦点レンズ 35mm F1.8\n配送業者：やまと運輸（お問い合わせ番号 4410-2231-8876）",
                "お届けまで一～二日ほどかかります。",
                "東京カメラ店 カスタマーサポート",
            ]),
        )
        .html_only(format!(
            concat!(
                "<html>\n<body>\n<p>{} 様</p>\n",
                "<p>東京カメラ店をご利用いただき、ありがとうございます。<br>\nご注文の商品を本日発送いたしました。</p>\n",
                "<p>注文番号：TC-88231<br>\n商品：単焦点レンズ 35mm F1.8<br>\n配送業者：やまと運輸（お問い合わせ番号 4410-2231-8876）</p>\n",
                "<p>お届けまで一～二日ほどかかります。</p>\n",
                "<p>東京カメラ店&nbsp;カスタマーサポート</p>\n</body>\n</html>",
            ),
            html_escape::encode_text(name)
        ))
        .category(Category::Updates)
        .unread(),
    ]
}

/// The one Japanese message of the small mailbox.
pub(super) fn small_japanese_mail(owner: &Person) -> Vec<Draft> {
    let first = owner.first_name();
    vec![
        Draft::new(
            &suzuki(),
            owner,
            at(11, 17, 18, 20, 9),
            "来週の勉強会について",
            paragraphs(&[
                &format!("{first}さん"),
                "お疲れさまです。鈴木です。",
                "来週の勉強会は、十一月二十六日（木）の午後六時から開催します。\nテーマは「メールの文字コード入門」です。",
                "参加できそうでしたら、このメールに返信してください。",
            ]),
        )
        .encoded(Charset::Utf8, TransferEncoding::Base64)
        .unread(),
    ]
}

/// German and French mail in ISO-8859-1, ISO-8859-15 and windows-1252.
pub(super) fn european_mail(owner: &Person) -> Vec<Draft> {
    let (maria, sophie, bahn) = (maria(), sophie(), bahn());
    let latin1 = |draft: Draft| {
        draft
            .encoded(Charset::Iso8859_1, TransferEncoding::QuotedPrintable)
            .subject_style(HeaderStyle::LATIN1_Q)
    };
    let latin9 = |draft: Draft| {
        draft
            .encoded(Charset::Iso8859_15, TransferEncoding::QuotedPrintable)
            .subject_style(HeaderStyle::LATIN9_Q)
    };
    let windows_1252 = |draft: Draft| {
        draft
            .encoded(Charset::Windows1252, TransferEncoding::QuotedPrintable)
            .subject_style(HeaderStyle::WINDOWS_1252_Q)
            .header("X-Mailer", "Microsoft Outlook 16.0")
    };

    let munich_reply = "Hallo Maria,\n\nsure \u{2013} Tuesday at 10:00 works for me. Danke!";
    let translations_csv = assets::text_file(&[
        "key,en,de",
        "auth.expired,Your session has expired.,Ihre Sitzung ist abgelaufen.",
        "auth.denied,Access denied. Please sign in again.,Zugriff verweigert. Bitte melden Sie sich erneut an.",
        "gmail.quota,Too many requests. Try again shortly.,Zu viele Anfragen. Bitte versuchen Sie es gleich noch einmal.",
    ]);
    let invoice_pdf = assets::pdf_document(
        "Rechnung Q7K4PX",
        &[
            "Bahn Reisen - Rechnung",
            "Auftrag Q7K4PX, 10.09.2026",
            "ICE 1006 Muenchen Hbf - Berlin Hbf, 2. Klasse",
            "Gesamtbetrag: 79,90 EUR (inkl. 7% MwSt.)",
        ],
    );
    let booking_text = paragraphs(&[
        "Guten Tag,",
        "vielen Dank für Ihre Buchung.",
        "Auftragsnummer: Q7K4PX\nHinfahrt: Do, 10.09.2026, 08:02 München Hbf - 12:31 Berlin Hbf (ICE 1006)\nReisende: 1 Erwachsener, 2. Klasse\nSitzplatz: Wagen 24, Platz 61 (Fenster)\nGesamtpreis: 79,90 €",
        "Ihr Ticket finden Sie in der App oder unter\nhttps://bahn-reisen.example.de/tickets/Q7K4PX",
        "Gute Fahrt wünscht Ihnen\nIhr Team von Bahn Reisen",
    ]);
    let workshop_text = paragraphs(&[
        "Hi everyone,",
        "Merci for coming to the Paris workshop! A few notes:",
        "\u{2022} We agreed on the \u{201c}one inbox, one badge\u{201d} principle.\n\u{2022} Naïve date parsing caused most of the bugs we saw \u{2013} let\u{2019}s use the\n  Date header\u{2019}s offset.\n\u{2022} Next workshop: early 2027, maybe in Bruxelles.",
        "À bientôt,\nSophie",
    ]);

    vec![
        latin1(Draft::new(
            &maria,
            owner,
            at(10, 6, 11, 40, 2),
            "Grüße aus München",
            paragraphs(&[
                "Hallo,",
                "viele Grüße aus München! Das Oktoberfest ist vorbei, und endlich ist es\nwieder ruhiger in der Stadt.",
                "Könnten wir nächste Woche über die Übersetzung der Benutzeroberfläche\nsprechen? Die deutschen Texte sind fast fertig, nur bei den\nFehlermeldungen müssen wir noch prüfen, ob alles verständlich ist.",
                "Schöne Grüße\nMaria",
            ]),
        ))
        .thread("munich"),
        Draft::new(owner, &maria, at(10, 6, 14, 5, 1), "Re: Grüße aus München", munich_reply)
            .alternative(html_from_text(munich_reply))
            .thread("munich")
            .sent(),
        latin1(Draft::new(
            &maria,
            owner,
            at(10, 7, 9, 12, 2),
            "Re: Grüße aus München",
            "Perfekt, dann bis Dienstag um 10 Uhr. Ich schicke vorher die Liste der\nFehlermeldungen.\n\nMaria",
        ))
        .thread("munich")
        .unread(),
        latin1(Draft::new(
            &maria,
            owner,
            at(10, 21, 16, 20, 2),
            "Übersetzungen für die Fehlermeldungen",
            paragraphs(&[
                "Hallo,",
                "anbei die Übersetzungen für alle Fehlermeldungen (Spalte \"de\").\nBitte besonders auf die Länge achten: \"Zugriff verweigert. Bitte melden\nSie sich erneut an.\" ist für den Hinweis oben vielleicht zu lang.",
                "Grüße\nMaria",
            ]),
        ))
        .attachments(vec![Attachment::new("fehlermeldungen.csv", "text/csv", translations_csv)])
        .important()
        .unread(),
        latin1(Draft::new(
            &juergen(),
            owner,
            at(8, 13, 19, 30, 2),
            "Einladung zum Grillabend am Samstag",
            paragraphs(&[
                "Hallo zusammen,",
                "am Samstag, den 22. August, grillen wir ab 18 Uhr bei uns im Garten.\nFür Würstchen, Brötchen und Getränke ist gesorgt; über Salate oder\nKuchen freuen wir uns sehr.",
                "Bitte gebt mir bis Donnerstag Bescheid, ob ihr kommt.",
                "Viele Grüße\nJürgen",
            ]),
        )),
        latin9(Draft::new(
            &lukas(),
            owner,
            at(8, 20, 8, 50, 2),
            "Abrechnung Sommerfest: 45 € pro Person",
            paragraphs(&[
                "Hallo,",
                "hier die Abrechnung für unser Sommerfest:",
                "Getränke:   310,00 €\nEssen:      520,00 €\nMusik:      250,00 €\nGesamt:   1.080,00 €",
                "Bei 24 Gästen macht das 45 € pro Person. Bitte überweist den Betrag\nbis Ende August auf mein Konto.",
                "Danke und liebe Grüße\nLukas",
            ]),
        )),
        latin9(Draft::new(
            &sophie,
            owner,
            at(9, 29, 10, 0, 2),
            "Réunion à Lyon : budget prévu 1 200 €",
            paragraphs(&[
                "Bonjour,",
                "Pour la réunion à Lyon du 15 octobre, voici le budget prévu :",
                "- déplacement en TGV : 420 €\n- hôtel (deux nuits) : 560 €\n- dîner d'équipe : 220 €",
                "Total : 1 200 €. Merci de me dire si cela vous convient ; je dois\nréserver avant vendredi. C'est un projet qui me tient à cœur.",
                "Bien cordialement,\nSophie",
            ]),
        ))
        .unread(),
        windows_1252(Draft::new(
            &sophie,
            owner,
            at(10, 22, 17, 45, 2),
            "Quick note on the \u{201c}final\u{201d} deck",
            paragraphs(&[
                "Hi,",
                "Quick note on the \u{201c}final\u{201d} deck \u{2013} I\u{2019}ve made a few changes:",
                "\u{2018}Slide 4\u{2019} now shows the café survey results\u{2026}\nThe pricing table uses € and the footnotes are back.",
                "Let me know what you think before tomorrow\u{2019}s call.",
                "Sophie",
            ]),
        ))
        .unread(),
        windows_1252(Draft::new(
            &sophie,
            owner,
            at(11, 10, 18, 20, 1),
            "Merci ! Notes from the Paris workshop",
            workshop_text.clone(),
        ))
        .alternative(html_from_text(&workshop_text))
        .unread(),
        latin9(Draft::new(
            &bahn,
            owner,
            at(9, 3, 13, 12, 2),
            "Ihre Buchungsbestätigung: München Hbf nach Berlin Hbf",
            booking_text.clone(),
        ))
        .alternative(html_from_text(&booking_text))
        .category(Category::Updates),
        latin9(Draft::new(
            &bahn,
            owner,
            at(9, 3, 13, 13, 2),
            "Ihre Rechnung zur Buchung Q7K4PX",
            paragraphs(&[
                "Guten Tag,",
                "im Anhang finden Sie die Rechnung zu Ihrer Buchung Q7K4PX über 79,90 €.",
                "Mit freundlichen Grüßen\nIhr Team von Bahn Reisen",
            ]),
        ))
        .attachments(vec![Attachment::new("Rechnung_Q7K4PX.pdf", "application/pdf", invoice_pdf)])
        .category(Category::Updates),
        latin9(Draft::new(
            &bahn,
            owner,
            at(9, 10, 7, 40, 2),
            "Verspätung Ihres Zuges ICE 1006",
            paragraphs(&[
                "Guten Tag,",
                "Ihr Zug ICE 1006 (München Hbf 08:02 - Berlin Hbf 12:31) hat heute\nvoraussichtlich 25 Minuten Verspätung. Grund: Reparatur an der Strecke.",
                "Ihre Fahrgastrechte: Ab 60 Minuten Verspätung erhalten Sie 25 % des\nFahrpreises zurück.",
                "Wir bitten um Entschuldigung.\nIhr Team von Bahn Reisen",
            ]),
        ))
        .category(Category::Updates),
    ]
}
