//! An editor's side of a `migrate lsp` connection: JSON-RPC over the server's stdin and stdout.
//! Shared by the integration test (migrate-cli/tests/lsp.rs) and the latency benchmark
//! (bench/editor), which include it by path.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

/// An editor's side of the connection.
pub struct Editor {
    /// The server's process.
    pub server: Child,
    input: ChildStdin,
    output: Receiver<Value>,
    next_id: u64,
}

impl Editor {
    /// Starts `migrate lsp` (the binary `migrate`) and initialises it for the folder `root`.
    pub fn start(migrate: &Path, root: &Path) -> Self {
        let mut server = Command::new(migrate)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start migrate lsp");
        let input = server.stdin.take().unwrap();
        let mut reader = BufReader::new(server.stdout.take().unwrap());
        let (sender, output) = channel();
        std::thread::spawn(move || loop {
            let mut length = 0;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 {
                    return;
                }
                let header = header.trim();
                if header.is_empty() {
                    break;
                }
                if let Some(n) = header.strip_prefix("Content-Length: ") {
                    length = n.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        let mut editor = Self {
            server,
            input,
            output,
            next_id: 0,
        };
        let init = editor.request(
            "initialize",
            json!({ "processId": null, "rootUri": uri(root), "capabilities": {} }),
        );
        assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
        editor.notify("initialized", json!({}));
        editor
    }

    pub fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.input.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its result (the notifications before it are kept).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next();
            if message["id"] == id {
                return message["result"].clone();
            }
        }
    }

    pub fn next(&mut self) -> Value {
        self.output
            .recv_timeout(Duration::from_secs(20))
            .expect("the server answers within 20 s")
    }

    /// Waits for the diagnostics published for `path` to be `expected` (`line code` each,
    /// lines from 1): the changes sent together may be checked together or one by one.
    pub fn settle(&mut self, path: &Path, expected: &[&str]) {
        let mut seen = Vec::new();
        while seen != expected {
            let message = self
                .output
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("{} shows {seen:?}, not {expected:?}", path.display()));
            if let Some(found) = diagnostics(&message, path) {
                seen = found;
            }
        }
    }

    /// The next diagnostics published for `path`.
    pub fn diagnostics(&mut self, path: &Path) -> Vec<String> {
        loop {
            if let Some(found) = diagnostics(&self.next(), path) {
                return found;
            }
        }
    }

    pub fn open(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri(path), "languageId": "sql", "version": 1, "text": text
            } }),
        );
    }

    /// Replaces line `line` (from 0) of the document, as an editor sends an edit.
    pub fn change_line(&mut self, path: &Path, line: u32, old: &str, new: &str) {
        let end = old.encode_utf16().count();
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri(path), "version": 2 },
                "contentChanges": [{
                    "range": { "start": { "line": line, "character": 0 },
                               "end": { "line": line, "character": end } },
                    "text": new
                }]
            }),
        );
    }

    pub fn replace_all(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri(path), "version": 3 },
                "contentChanges": [{ "text": text }]
            }),
        );
    }
}

impl Drop for Editor {
    fn drop(&mut self) {
        let _ = self.server.kill();
    }
}

/// The diagnostics of `path` if `message` publishes them: `line code` each, lines from 1.
pub fn diagnostics(message: &Value, path: &Path) -> Option<Vec<String>> {
    if message["method"] != "textDocument/publishDiagnostics"
        || message["params"]["uri"] != uri(path)
    {
        return None;
    }
    let shown = message["params"]["diagnostics"].as_array()?;
    Some(
        shown
            .iter()
            .map(|d| {
                let line = d["range"]["start"]["line"].as_u64().unwrap() + 1;
                format!("{line} {}", d["code"].as_str().unwrap())
            })
            .collect(),
    )
}

/// The `file://` URI of an absolute path (of plain characters).
pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}
