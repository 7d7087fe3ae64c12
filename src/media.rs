//! Question images: which files a contest may show (checked when it is loaded) and the store the
//! server serves them from.
//!
//! A question's `image` is a path relative to the contest file's folder, with `/` between
//! folders (`hinh/cau-3.png`). It must stay inside that folder: no absolute path, no `..`, no web
//! address (the venue has no internet). Only PNG, JPEG, GIF and WebP are shown, told apart by the
//! file's first bytes as well as by its name: SVG is refused because it can carry script, and a
//! file whose bytes are not what its name says is refused rather than served under the wrong
//! type. An image is at most [`MAX_IMAGE_BYTES`].
//!
//! At start the server reads every image of the contest into memory ([`Media::load`]) and serves
//! each at `/media/<name>.<ext>`, where the name is a hash of the image's bytes keyed with a
//! secret drawn for this run. Nobody can work out an image's address before a state carries it
//! (not from its file name, not from a copy of the picture), and an address always means the same
//! bytes, so pages may cache it for good.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use axum::body::Bytes;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::game::Contest;

/// The largest image, in bytes: 8 MiB. A phone camera's photo (3–6 MB as JPEG) fits; a bigger
/// file is a scan or a wrong file, and every phone in the hall downloads the image over the
/// venue's Wi-Fi the moment its question is shown, while the server keeps every image in memory.
pub const MAX_IMAGE_BYTES: u64 = 8 * 1024 * 1024;

/// Where images are served: `/media/<name>.<ext>`.
pub const URL_PREFIX: &str = "/media/";

/// The kinds of image shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageType {
    /// `.png`
    Png,
    /// `.jpg`, `.jpeg`
    Jpeg,
    /// `.gif`
    Gif,
    /// `.webp`
    Webp,
}

impl ImageType {
    /// The kind of image `bytes` hold, by their first bytes (the format's signature).
    pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageType::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageType::Webp)
        } else {
            None
        }
    }

    /// The kind a file name's extension (without the dot, any case) says.
    pub fn of_extension(extension: &str) -> Option<ImageType> {
        match extension.to_ascii_lowercase().as_str() {
            "png" => Some(ImageType::Png),
            "jpg" | "jpeg" => Some(ImageType::Jpeg),
            "gif" => Some(ImageType::Gif),
            "webp" => Some(ImageType::Webp),
            _ => None,
        }
    }

    /// The `Content-Type` it is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Gif => "image/gif",
            ImageType::Webp => "image/webp",
        }
    }

    /// The extension of its address.
    pub fn extension(self) -> &'static str {
        match self {
            ImageType::Png => "png",
            ImageType::Jpeg => "jpg",
            ImageType::Gif => "gif",
            ImageType::Webp => "webp",
        }
    }

    /// Its name in messages.
    fn name(self) -> &'static str {
        match self {
            ImageType::Png => "PNG",
            ImageType::Jpeg => "JPEG",
            ImageType::Gif => "GIF",
            ImageType::Webp => "WebP",
        }
    }
}

/// Checks an image path as written, before looking at the disk: relative, inside `folder_name`
/// (e.g. "the contest file's folder", for messages), not a web address.
pub fn check_path(path: &str, folder_name: &str) -> Result<(), String> {
    if path.trim().is_empty() {
        return Err("the image is empty: give a file, or leave the image out".into());
    }
    let lower = path.to_ascii_lowercase();
    if path.contains("://") || lower.starts_with("data:") {
        return Err(format!(
            "the image \"{}\" is a web address: images must be files in {folder_name} (the \
             venue has no internet)",
            short(path)
        ));
    }
    let drive = path.as_bytes().get(1) == Some(&b':');
    if path.starts_with(['/', '\\']) || drive {
        return Err(format!(
            "the image \"{}\" is an absolute path: write it relative to {folder_name}, e.g. \
             hinh/cau1.png",
            short(path)
        ));
    }
    if path.split(['/', '\\']).any(|part| part == "..") {
        return Err(format!(
            "the image \"{}\" goes out of {folder_name} (..): keep images in that folder or \
             below it",
            short(path)
        ));
    }
    Ok(())
}

/// The spelling of `path` that names a file in `folder`: as written, or in NFC or NFD, since a
/// name typed with precomposed accents may be stored with combining ones (macOS), or back.
pub fn find(folder: &Path, path: &str, folder_name: &str) -> Result<String, String> {
    let spellings: [String; 3] = [path.to_string(), path.nfc().collect(), path.nfd().collect()];
    for spelling in spellings {
        match std::fs::metadata(folder.join(&spelling)) {
            Ok(meta) if meta.is_file() => return Ok(spelling),
            Ok(_) => {
                return Err(format!(
                    "the image \"{}\" is a folder, not a file",
                    short(path)
                ));
            }
            Err(_) => {}
        }
    }
    Err(format!(
        "there is no image file \"{}\" in {folder_name} ({})",
        short(path),
        folder.display()
    ))
}

/// Reads the image `file` (named `path` in messages): at most [`MAX_IMAGE_BYTES`], an allowed
/// kind by its name, and bytes of that same kind.
pub fn read(file: &Path, path: &str) -> Result<(ImageType, Vec<u8>), String> {
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if matches!(extension.as_str(), "svg" | "svgz") {
        return Err(svg_refused(path));
    }
    let Some(named) = ImageType::of_extension(&extension) else {
        let name = match extension.as_str() {
            "" => "its name has no extension".to_string(),
            other => format!("its name ends in .{other}"),
        };
        return Err(format!(
            "the image \"{}\" is not a PNG, JPEG, GIF or WebP file ({name})",
            short(path)
        ));
    };
    let cannot_read =
        |error: std::io::Error| format!("cannot read the image \"{}\": {error}", short(path));
    let opened = std::fs::File::open(file).map_err(cannot_read)?;
    let mut bytes = Vec::new();
    // One byte more than allowed tells a file that is too large, however it grows meanwhile.
    opened
        .take(MAX_IMAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        let size = std::fs::metadata(file).map_or(bytes.len() as u64, |meta| meta.len());
        return Err(format!(
            "the image \"{}\" is {:.1} MiB; an image may be at most {} MiB, since every phone \
             in the hall downloads it when the question is shown: make it smaller (1920 pixels \
             wide is plenty for a projector)",
            short(path),
            size as f64 / (1024.0 * 1024.0),
            MAX_IMAGE_BYTES / (1024 * 1024)
        ));
    }
    match ImageType::sniff(&bytes) {
        Some(found) if found == named => Ok((found, bytes)),
        Some(found) => Err(format!(
            "the image \"{}\" is named .{extension} but holds a {} image: rename it to .{}",
            short(path),
            found.name(),
            found.extension()
        )),
        None if looks_like_svg(&bytes) => Err(svg_refused(path)),
        None if bytes.is_empty() => Err(format!("the image \"{}\" is empty", short(path))),
        None => Err(format!(
            "the image \"{}\" is named .{extension} but is not a {} image (damaged, or another \
             kind of file renamed): open it and save it as {}",
            short(path),
            named.name(),
            named.name()
        )),
    }
}

/// An image as found in a folder: the spelling of its path that names the file, its kind and its
/// bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The path as it names the file (see [`find`]).
    pub spelling: String,
    /// PNG, JPEG, GIF or WebP.
    pub kind: ImageType,
    /// The whole file.
    pub bytes: Vec<u8>,
}

/// Checks and reads the image `path` (relative, `/` between folders) in `folder`, called
/// `folder_name` in messages: [`check_path`], [`find`] and [`read`] in turn.
pub fn open(folder: &Path, path: &str, folder_name: &str) -> Result<Found, String> {
    check_path(path, folder_name)?;
    if path.contains('\\') {
        return Err(format!(
            "the image \"{}\" has a \\ in it: write / between folders, e.g. hinh/cau1.png",
            short(path)
        ));
    }
    let spelling = find(folder, path, folder_name)?;
    let (kind, bytes) = read(&folder.join(&spelling), path)?;
    Ok(Found {
        spelling,
        kind,
        bytes,
    })
}

fn svg_refused(path: &str) -> String {
    format!(
        "the image \"{}\" is an SVG: SVG images can carry scripts, so they are not shown; export \
         it as PNG",
        short(path)
    )
}

/// Whether `bytes` start like an SVG document (an XML declaration or an `<svg` tag).
fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<?xml") || head.starts_with("<svg") || head.contains("<svg")
}

/// A path quoted in a message: on one line, and cut after 60 characters.
fn short(value: &str) -> String {
    let line = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 60 {
        let cut: String = line.chars().take(57).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// An image ready to serve.
#[derive(Clone, Debug)]
pub struct Image {
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// The file's bytes, shared by every response.
    pub bytes: Bytes,
}

/// Every image of the contest, read at start, and the address of each.
#[derive(Debug, Default)]
pub struct Media {
    /// By the last part of the address (`3fa1….png`).
    files: HashMap<String, Image>,
    /// A question's `image`, as the contest says it, → its address (`/media/3fa1….png`).
    urls: HashMap<String, String>,
}

impl Media {
    /// Reads every image of `contest` from `folder` (the contest file's; `None` when the contest
    /// was not read from a file). Returns every problem found, each naming its question, when
    /// any image cannot be served: a show must not find out on stage that its picture is missing.
    pub fn load(contest: &Contest, folder: Option<&Path>) -> Result<Media, Vec<String>> {
        Media::load_with_key(contest, folder, &rand::random::<[u8; 32]>())
    }

    fn load_with_key(
        contest: &Contest,
        folder: Option<&Path>,
        key: &[u8; 32],
    ) -> Result<Media, Vec<String>> {
        let mut media = Media::default();
        let mut problems = Vec::new();
        for (r, round) in contest.rounds.iter().enumerate() {
            for (q, question) in round.questions().iter().enumerate() {
                let Some(image) = &question.image else {
                    continue;
                };
                if media.urls.contains_key(image) {
                    continue;
                }
                let at = format!("rounds[{r}].questions[{q}].image");
                let Some(folder) = folder else {
                    problems.push(format!(
                        "{at}: the image \"{}\" cannot be shown: this contest was not read from \
                         a contest file, so there is no folder to find its images in; start \
                         with --contest and the contest file",
                        short(image)
                    ));
                    continue;
                };
                match open(folder, image, "the contest file's folder") {
                    Ok(found) => {
                        let name = format!(
                            "{}.{}",
                            keyed_name(key, &found.bytes),
                            found.kind.extension()
                        );
                        media
                            .urls
                            .insert(image.clone(), format!("{URL_PREFIX}{name}"));
                        media.files.entry(name).or_insert_with(|| Image {
                            content_type: found.kind.content_type(),
                            bytes: Bytes::from(found.bytes),
                        });
                    }
                    Err(problem) => problems.push(format!("{at}: {problem}")),
                }
            }
        }
        if problems.is_empty() {
            Ok(media)
        } else {
            Err(problems)
        }
    }

    /// The address of a question's `image` (as the contest says it).
    pub fn url(&self, image: &str) -> Option<&str> {
        self.urls.get(image).map(String::as_str)
    }

    /// The image whose address ends in `name` (`3fa1….png`).
    pub fn file(&self, name: &str) -> Option<&Image> {
        self.files.get(name)
    }

    /// How many different images there are.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the contest has no image.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// The name of an image's address: 128 bits of SHA-256 over the run's secret key and the bytes.
/// The key goes first and is fixed in length, so that the name cannot be computed without it.
fn keyed_name(key: &[u8; 32], bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update(bytes);
    let digest = hasher.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
