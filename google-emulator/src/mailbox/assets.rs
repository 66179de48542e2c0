//! Attachment bytes, generated deterministically: real (tiny) PNG images,
//! small one-page PDF documents, and text files.

/// An RGB PNG of `width` × `height` pixels whose colour at (x, y) is `pixel(x, y)`.
/// Uncompressed (stored deflate blocks), but a valid PNG any viewer opens.
pub(super) fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut scanlines = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        scanlines.push(0); // filter: none
        for x in 0..width {
            scanlines.extend_from_slice(&pixel(x, y));
        }
    }

    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter method, no interlace

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &header);
    png_chunk(&mut png, b"IDAT", &zlib_stored(&scanlines));
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// A small square logo: a coloured disc on white.
pub(super) fn logo_png(color: [u8; 3]) -> Vec<u8> {
    png(16, 16, |x, y| {
        let (dx, dy) = (x as i32 * 2 - 15, y as i32 * 2 - 15);
        if dx * dx + dy * dy <= 196 {
            color
        } else {
            [255, 255, 255]
        }
    })
}

/// A little "photo": a sky-to-ground gradient with a sun.
pub(super) fn photo_png(width: u32, height: u32, sun: [u8; 3]) -> Vec<u8> {
    png(width, height, |x, y| {
        let (dx, dy) = (
            x as i32 - (width as i32 * 3 / 4),
            y as i32 - (height as i32 / 4),
        );
        if dx * dx + dy * dy <= 9 {
            sun
        } else if y < height * 2 / 3 {
            let shade = (y * 120 / height.max(1)) as u8;
            [90 + shade, 150 + shade / 2, 230]
        } else {
            [60, 120 + (x % 7) as u8 * 4, 50]
        }
    })
}

fn png_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = 65_535;
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(MAX_BLOCK).collect()
    };
    for (index, block) in blocks.iter().enumerate() {
        let is_final = index + 1 == blocks.len();
        out.push(u8::from(is_final));
        let length = block.len() as u16;
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&(!length).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

pub(super) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1_u32, 0_u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// A one-page PDF (A4, Helvetica) showing the given ASCII lines, with a
/// correct cross-reference table.
pub(super) fn pdf_document(title: &str, lines: &[&str]) -> Vec<u8> {
    let escape = |text: &str| {
        text.replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
    };
    let mut content = format!(
        "BT\n/F1 16 Tf\n56 780 Td\n({}) Tj\n/F1 11 Tf\n",
        escape(title)
    );
    for line in lines {
        content.push_str(&format!("0 -18 Td\n({}) Tj\n", escape(line)));
    }
    content.push_str("ET\n");

    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Title ({}) /Producer (google-emulator) >>", escape(title)),
    ];

    // The second line marks the file as binary, as PDF writers do.
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref_offset = pdf.len();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        xref.push_str(&format!("{offset:010} 00000 n \n"));
    }
    pdf.extend_from_slice(xref.as_bytes());
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref_offset}\n%%EOF\n",
            objects.len() + 1,
            objects.len()
        )
        .as_bytes(),
    );
    pdf
}

/// A text file with CRLF line ends, as Windows tools and most mailers attach them.
pub(super) fn text_file(lines: &[&str]) -> Vec<u8> {
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    text.into_bytes()
}
