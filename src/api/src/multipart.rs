//! `multipart/form-data` bodies, written here rather than by the
//! browser's `FormData`, because the HTML form encoding rewrites every
//! line break in a text field to CRLF: evidence must arrive byte for byte
//! as it was sanitized.

/// A form of text fields.
pub struct Form {
    boundary: String,
    body: Vec<u8>,
    /// Set when a value contains the boundary, which would let the value
    /// end its part early and forge fields of its own.
    forged: bool,
}

impl Form {
    /// A form whose boundary comes from `seed`, a value the page content
    /// cannot know in advance (the capture's random idempotency key).
    pub fn new(seed: &str) -> Form {
        let seed: String =
            seed.chars().filter(char::is_ascii_alphanumeric).collect();
        Form {
            boundary: format!("fm-capture-{seed}"),
            body: Vec::new(),
            forged: false,
        }
    }

    /// Adds a text field. `name` is one of the API's field names, never
    /// user input.
    pub fn text(&mut self, name: &str, value: &str) {
        debug_assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        );
        self.forged |= value.contains(&self.boundary);
        let head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n",
            self.boundary
        );
        self.body.extend_from_slice(head.as_bytes());
        self.body.extend_from_slice(value.as_bytes());
        self.body.extend_from_slice(b"\r\n");
    }

    /// The `Content-Type` header and the body; `None` if a value contained
    /// the boundary.
    pub fn finish(mut self) -> Option<(String, Vec<u8>)> {
        if self.forged {
            return None;
        }
        self.body.extend_from_slice(
            format!("--{}--\r\n", self.boundary).as_bytes(),
        );
        let content_type =
            format!("multipart/form-data; boundary={}", self.boundary);
        Some((content_type, self.body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_are_kept_as_they_are() {
        let mut form = Form::new("fm-1a2b");
        form.text("pasted_content", "one\ntwo\r\nthree");
        form.text("input_type", "page_capture");
        let (content_type, body) = form.finish().expect("no forged field");
        assert_eq!(
            content_type,
            "multipart/form-data; boundary=fm-capture-fm1a2b"
        );
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "--fm-capture-fm1a2b\r\n\
             Content-Disposition: form-data; name=\"pasted_content\"\r\n\r\n\
             one\ntwo\r\nthree\r\n\
             --fm-capture-fm1a2b\r\n\
             Content-Disposition: form-data; name=\"input_type\"\r\n\r\n\
             page_capture\r\n\
             --fm-capture-fm1a2b--\r\n"
        );
    }

    #[test]
    fn a_value_holding_the_boundary_is_refused() {
        let mut form = Form::new("k1");
        form.text("query", "x\r\n--fm-capture-k1\r\nContent-Disposition: ...");
        assert!(form.finish().is_none());
    }
}
