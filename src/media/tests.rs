use super::*;
use crate::game::{BuzzInRules, ContestBuilder, Question};

/// A whole 1×1 PNG, as an image editor writes it.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9";
const GIF: &[u8] = b"GIF89a\x01\0\x01\0\0\0\0;";
const WEBP: &[u8] =
    b"RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0\x2f\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0";
const SVG: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";

fn folder_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(path, bytes).expect("write");
    }
    dir
}

#[test]
fn the_kind_of_an_image_is_told_by_its_first_bytes() {
    assert_eq!(ImageType::sniff(PNG), Some(ImageType::Png));
    assert_eq!(ImageType::sniff(JPEG), Some(ImageType::Jpeg));
    assert_eq!(ImageType::sniff(GIF), Some(ImageType::Gif));
    assert_eq!(ImageType::sniff(b"GIF87a\x01\0"), Some(ImageType::Gif));
    assert_eq!(ImageType::sniff(WEBP), Some(ImageType::Webp));
    // A RIFF that is not WebP (a WAV sound), an SVG, HTML, nothing: none of them.
    assert_eq!(ImageType::sniff(b"RIFF\x1a\0\0\0WAVEfmt "), None);
    assert_eq!(ImageType::sniff(SVG), None);
    assert_eq!(ImageType::sniff(b"<html><script>"), None);
    assert_eq!(ImageType::sniff(b""), None);
    assert_eq!(ImageType::sniff(b"\x89PNG"), None, "cut short");
    let served: Vec<(&str, &str)> = [
        ImageType::Png,
        ImageType::Jpeg,
        ImageType::Gif,
        ImageType::Webp,
    ]
    .iter()
    .map(|kind| (kind.content_type(), kind.extension()))
    .collect();
    assert_eq!(
        served,
        [
            ("image/png", "png"),
            ("image/jpeg", "jpg"),
            ("image/gif", "gif"),
            ("image/webp", "webp")
        ]
    );
    assert_eq!(ImageType::of_extension("JPEG"), Some(ImageType::Jpeg));
    assert_eq!(ImageType::of_extension("svg"), None);
}

#[test]
fn an_image_is_read_when_its_name_and_bytes_agree() {
    let dir = folder_with(&[
        ("hinh/a.png", PNG),
        ("hinh/b.JPG", JPEG),
        ("hinh/c.jpeg", JPEG),
        ("d.gif", GIF),
        ("e.webp", WEBP),
    ]);
    for (path, kind) in [
        ("hinh/a.png", ImageType::Png),
        ("hinh/b.JPG", ImageType::Jpeg),
        ("hinh/c.jpeg", ImageType::Jpeg),
        ("d.gif", ImageType::Gif),
        ("./e.webp", ImageType::Webp),
    ] {
        let found = open(dir.path(), path, "the contest file's folder").expect(path);
        assert_eq!(found.kind, kind, "{path}");
        assert_eq!(
            found.bytes,
            std::fs::read(dir.path().join(path)).expect("read")
        );
    }
}

#[test]
fn files_that_are_not_what_they_say_or_may_carry_script_are_refused() {
    let dir = folder_with(&[
        ("ve.svg", SVG),
        ("ve-doi-ten.png", SVG),
        ("anh-chup.png", JPEG),
        ("hong.jpg", b"not really a picture"),
        ("trang.png", b""),
        ("ban-do.bmp", b"BM\0\0"),
        ("khong-duoi", PNG),
        ("trang.html", b"<html><script>alert(1)</script>"),
    ]);
    for (path, says) in [
        ("ve.svg", "is an SVG: SVG images can carry scripts"),
        ("ve-doi-ten.png", "is an SVG"),
        (
            "anh-chup.png",
            "is named .png but holds a JPEG image: rename it to .jpg",
        ),
        ("hong.jpg", "is named .jpg but is not a JPEG image"),
        ("trang.png", "the image \"trang.png\" is empty"),
        (
            "ban-do.bmp",
            "is not a PNG, JPEG, GIF or WebP file (its name ends in .bmp)",
        ),
        ("khong-duoi", "its name has no extension"),
        ("trang.html", "its name ends in .html"),
    ] {
        let error = open(dir.path(), path, "the contest file's folder").expect_err(path);
        assert!(error.contains(says), "{path}: {error}");
    }
}

#[test]
fn an_image_over_the_limit_is_refused_saying_how_large_it_is() {
    let dir = folder_with(&[("lon.png", PNG), ("vua.png", PNG)]);
    // Sparse files: a PNG signature, then zeros up to the size.
    let grow = |name: &str, len: u64| {
        std::fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join(name))
            .expect("open")
            .set_len(len)
            .expect("grow");
    };
    grow("lon.png", MAX_IMAGE_BYTES + 1);
    grow("vua.png", MAX_IMAGE_BYTES);
    let error = open(dir.path(), "lon.png", "the contest file's folder").expect_err("too large");
    assert!(
        error.contains("is 8.0 MiB; an image may be at most 8 MiB"),
        "{error}"
    );
    let found = open(dir.path(), "vua.png", "the contest file's folder").expect("just fits");
    assert_eq!(found.bytes.len() as u64, MAX_IMAGE_BYTES);
}

#[test]
fn image_paths_stay_inside_the_folder() {
    let dir = folder_with(&[("hinh/a.png", PNG)]);
    for (path, says) in [
        ("", "the image is empty"),
        ("  ", "the image is empty"),
        ("/etc/passwd.png", "is an absolute path"),
        ("\\\\server\\share\\a.png", "is an absolute path"),
        ("C:\\Anh\\a.png", "is an absolute path"),
        ("C:/Anh/a.png", "is an absolute path"),
        (
            "../bi-mat.png",
            "goes out of the contest file's folder (..)",
        ),
        (
            "hinh/../../bi-mat.png",
            "goes out of the contest file's folder",
        ),
        ("hinh\\..\\..\\a.png", "goes out of"),
        ("http://example.com/a.png", "is a web address"),
        ("data:image/png;base64,iVBOR", "is a web address"),
        ("hinh\\a.png", "write / between folders"),
        (
            "hinh/khong-co.png",
            "there is no image file \"hinh/khong-co.png\" in the contest file's folder",
        ),
        ("hinh", "is a folder, not a file"),
    ] {
        let error = open(dir.path(), path, "the contest file's folder").expect_err(path);
        assert!(error.contains(says), "{path:?}: {error}");
    }
}

#[test]
fn a_name_typed_with_other_accents_than_on_disk_is_found() {
    let nfd: String = "hinh/bản đồ.png".nfd().collect();
    let dir = folder_with(&[(nfd.as_str(), PNG)]);
    let found = open(dir.path(), "hinh/bản đồ.png", "the contest file's folder").expect("found");
    assert_eq!(found.spelling, nfd);
}

/// A contest of one buzz-in round whose questions have these images.
fn contest_with(images: &[Option<&str>]) -> Contest {
    ContestBuilder::new("Hội thi thử")
        .team("a", "Đội A")
        .buzz_in(
            "Giành quyền",
            BuzzInRules::default(),
            images.len(),
            |i| Question {
                image: images[i].map(str::to_string),
                ..Question::new(format!("Câu {}?", i + 1), "!")
            },
        )
        .build()
}

fn name_of(url: &str) -> &str {
    url.strip_prefix(URL_PREFIX).expect("a media address")
}

#[test]
fn every_image_gets_an_unguessable_address_that_stands_for_its_bytes() {
    let dir = folder_with(&[("a.png", PNG), ("ban-sao.png", PNG), ("b.jpg", JPEG)]);
    let contest = contest_with(&[
        Some("a.png"),
        None,
        Some("ban-sao.png"),
        Some("b.jpg"),
        Some("a.png"),
    ]);
    let media = Media::load_with_key(&contest, Some(dir.path()), &[7; 32]).expect("loads");
    let a = media.url("a.png").expect("a.png has an address");
    let b = media.url("b.jpg").expect("b.jpg has an address");
    // `/media/` and 32 hex digits, the extension of what the bytes are; nothing of the file name.
    for (url, ext) in [(a, ".png"), (b, ".jpg")] {
        let name = name_of(url);
        let (hash, rest) = name.split_at(32);
        assert!(
            hash.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{url}"
        );
        assert_eq!(rest, ext, "{url}");
    }
    // The same picture under two names is one file at one address.
    assert_eq!(media.url("ban-sao.png"), Some(a));
    assert_eq!(media.len(), 2);
    let image = media.file(name_of(a)).expect("served");
    assert_eq!((image.content_type, &image.bytes[..]), ("image/png", PNG));
    assert_eq!(
        media.file(name_of(b)).expect("served").content_type,
        "image/jpeg"
    );
    assert!(media.file("a.png").is_none(), "not by its file name");
    // Another run (another key): other addresses, so an address cannot be worked out from a copy
    // of the picture; the same run always gives the same one.
    let again = Media::load_with_key(&contest, Some(dir.path()), &[7; 32]).expect("loads");
    assert_eq!(again.url("a.png"), Some(a));
    let other_run = Media::load_with_key(&contest, Some(dir.path()), &[8; 32]).expect("loads");
    assert_ne!(other_run.url("a.png"), Some(a));
    let random = Media::load(&contest, Some(dir.path())).expect("loads");
    assert_ne!(random.url("a.png"), Some(a));
}

#[test]
fn every_image_that_cannot_be_served_is_named_by_its_question() {
    let dir = folder_with(&[("a.png", PNG), ("hong.png", b"GIF89a")]);
    let contest = contest_with(&[Some("a.png"), Some("khong-co.png"), None, Some("hong.png")]);
    let problems = Media::load(&contest, Some(dir.path())).expect_err("refused");
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0]
            .starts_with("rounds[0].questions[1].image: there is no image file \"khong-co.png\""),
        "{problems:#?}"
    );
    assert!(
        problems[1].starts_with("rounds[0].questions[3].image: the image \"hong.png\" is named .png but holds a GIF image"),
        "{problems:#?}"
    );
}

#[test]
fn a_contest_with_images_but_no_folder_says_to_start_with_its_file() {
    let contest = contest_with(&[None, Some("hinh/a.png")]);
    let problems = Media::load(&contest, None).expect_err("refused");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0]
            .starts_with("rounds[0].questions[1].image: the image \"hinh/a.png\" cannot be shown")
            && problems[0].contains("--contest"),
        "{problems:#?}"
    );
    // Without images a contest needs no folder.
    let media = Media::load(&contest_with(&[None]), None).expect("no images");
    assert!(media.is_empty());
}

#[test]
fn a_changed_image_is_a_wording_amendment_of_a_show_in_progress() {
    let before = contest_with(&[Some("a.png"), None]);
    // Another picture, a picture added, a picture taken away: the show may go on with it.
    for after in [
        contest_with(&[Some("b.png"), None]),
        contest_with(&[Some("a.png"), Some("c.png")]),
        contest_with(&[None, None]),
    ] {
        assert_eq!(before.amendable_to(&after), Ok(()));
    }
}
