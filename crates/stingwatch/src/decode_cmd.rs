//! `decode` and `convert`: print or re-encode every message of a capture.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::{json, Value};
use stingwatch_decode::{decode_message, CaptureReader, DecodedMessage};
use stingwatch_model::{PayloadKind, ReadItem};

use crate::DecodeFormat;

/// Open every input first so a bad invocation fails before any output is written.
pub fn open_all(files: &[PathBuf]) -> Result<Vec<(PathBuf, CaptureReader)>> {
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let r = CaptureReader::open(f)?;
        out.push((f.clone(), r));
    }
    Ok(out)
}

/// Channel label of a message for reports (`nas` for NAS records).
pub fn channel_label(kind: &PayloadKind) -> &'static str {
    match kind {
        PayloadKind::LteRrc { channel } => channel.as_str(),
        PayloadKind::LteNas => "nas",
        PayloadKind::NrRrc { channel } => channel.as_str(),
        PayloadKind::NrNas => "nas-5gs",
        PayloadKind::GsmUm { .. } => "gsm-um",
        PayloadKind::GsmL3 => "gsm-l3",
        PayloadKind::UmtsRrc { channel } => channel.as_str(),
        PayloadKind::Other { .. } => "other",
    }
}

/// The NDJSON / JSON record of one decoded message.
pub fn message_json(file: &Path, m: &DecodedMessage) -> Value {
    let src = &m.source;
    let mut v = json!({
        "record": "message",
        "file": file.display().to_string(),
        "packet": src.packet,
        "offset": src.offset,
        "time": src.time.map(|t| t.to_rfc3339()),
        "direction": src.direction.as_str(),
        "rat": src.rat.as_str(),
        "channel": channel_label(&src.kind),
        "protocol": m.protocol.as_str(),
        "message": m.message,
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some(a) = src.context.arfcn {
            obj.insert("arfcn".into(), json!(a));
        }
        if let Some(p) = src.context.pci {
            obj.insert("pci".into(), json!(p));
        }
        if let Some(rrc) = &m.rrc {
            obj.insert(
                "fields".into(),
                serde_json::to_value(&rrc.summary).unwrap_or(Value::Null),
            );
            if !m.nas.is_empty() {
                obj.insert(
                    "nas".into(),
                    serde_json::to_value(&*m.nas).unwrap_or(Value::Null),
                );
            }
        } else if let Some(nr) = &m.nr {
            obj.insert(
                "fields".into(),
                serde_json::to_value(&nr.summary).unwrap_or(Value::Null),
            );
            if !m.nr_nas.is_empty() {
                obj.insert(
                    "nas".into(),
                    serde_json::to_value(&*m.nr_nas).unwrap_or(Value::Null),
                );
            }
        } else if let Some(n) = m.nas.first() {
            obj.insert(
                "fields".into(),
                serde_json::to_value(n).unwrap_or(Value::Null),
            );
        } else if let Some(n) = &m.nas5g {
            obj.insert(
                "fields".into(),
                serde_json::to_value(&**n).unwrap_or(Value::Null),
            );
        }
        if let Some(e) = &m.error {
            obj.insert("error".into(), json!(e));
        }
    }
    v
}

/// One line of text output for a decoded message.
fn message_text(file: &Path, m: &DecodedMessage) -> String {
    let src = &m.source;
    let time = src
        .time
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| "-".to_string());
    let mut line = format!(
        "{}:{} {} {:<8} {:<11} {}",
        file.display(),
        src.packet,
        time,
        src.direction.as_str(),
        channel_label(&src.kind),
        m.message
    );
    for n in m.nas.iter() {
        if m.rrc.is_some() {
            line.push_str(&format!(" / {}", n.name));
        }
        if let Some(inner) = &n.inner {
            line.push_str(&format!(" [{}]", inner.name));
        }
    }
    if let Some(rrc) = &m.rrc {
        if let Ok(s) = serde_json::to_string(&rrc.summary) {
            if s != "{}" && s != "null" {
                line.push(' ');
                line.push_str(&s);
            }
        }
    }
    for n in m.nr_nas.iter() {
        line.push_str(&format!(" / {}", n.name));
    }
    if let Some(nr) = &m.nr {
        let brief = nr.summary.brief();
        if !brief.is_empty() {
            line.push_str(&format!(" ({brief})"));
        }
    }
    if let Some(e) = &m.error {
        line.push_str(&format!(" (error: {e})"));
    }
    line
}

/// `stingwatch decode`.
pub fn run_decode(files: &[PathBuf], format: DecodeFormat, summary: bool) -> Result<ExitCode> {
    let inputs = open_all(files)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (path, mut reader) in inputs {
        for item in reader.by_ref() {
            match item {
                ReadItem::Message(msg) => {
                    let m = decode_message(msg);
                    let r = match format {
                        DecodeFormat::Ndjson => writeln!(out, "{}", message_json(&path, &m)),
                        DecodeFormat::Text => writeln!(out, "{}", message_text(&path, &m)),
                    };
                    if let Err(e) = r {
                        if e.kind() == io::ErrorKind::BrokenPipe {
                            return Ok(ExitCode::SUCCESS);
                        }
                        return Err(e).context("writing output");
                    }
                }
                ReadItem::Measurement(m) => {
                    let r = match format {
                        DecodeFormat::Ndjson => writeln!(
                            out,
                            "{}",
                            json!({
                                "record": "measurement",
                                "file": path.display().to_string(),
                                "offset": m.offset,
                                "time": m.time,
                                "measurement": m.kind,
                            })
                        ),
                        DecodeFormat::Text => writeln!(
                            out,
                            "{} @{} {} measurement {}",
                            path.display(),
                            m.offset,
                            m.time.map(|t| t.to_rfc3339()).unwrap_or_default(),
                            serde_json::to_string(&m.kind).unwrap_or_default()
                        ),
                    };
                    if let Err(e) = r {
                        if e.kind() == io::ErrorKind::BrokenPipe {
                            return Ok(ExitCode::SUCCESS);
                        }
                        return Err(e).context("writing output");
                    }
                }
                ReadItem::Damage(d) => {
                    eprintln!("warning: {}: damaged input at {d}", path.display());
                    if let DecodeFormat::Ndjson = format {
                        let v = json!({
                            "record": "damage",
                            "file": path.display().to_string(),
                            "offset": d.offset,
                            "length": d.length,
                            "reason": d.reason,
                        });
                        writeln!(out, "{v}").context("writing output")?;
                    }
                }
            }
        }
        if summary {
            print_summary(&path, &reader);
        }
    }
    out.flush().context("writing output")?;
    Ok(ExitCode::SUCCESS)
}

/// Per-file summary on stderr: format, counts, skipped records, DIAG log codes.
pub fn print_summary(path: &Path, reader: &CaptureReader) {
    let s = reader.summary();
    eprintln!(
        "{}: {} format, {} bytes, {} frames, {} messages, {} measurements, {} damaged regions, {} skipped",
        path.display(),
        reader.format().as_str(),
        s.bytes,
        s.frames,
        s.messages,
        s.measurements,
        s.damaged_regions,
        s.skipped_total()
    );
    for (what, n) in &s.skipped {
        eprintln!("  skipped {what}: {n}");
    }
    if let Some(codes) = reader.log_codes() {
        let list: Vec<String> = codes.iter().map(|(c, n)| format!("{c:#06X}:{n}")).collect();
        eprintln!("  log codes: {}", list.join(" "));
    }
}

/// `stingwatch convert`.
pub fn run_convert(input: &Path, output: &Path) -> Result<ExitCode> {
    let mut reader = CaptureReader::open(input)?;
    let file =
        File::create(output).with_context(|| format!("{}: cannot create", output.display()))?;
    let mut writer = stingwatch_capture::PcapngWriter::new(BufWriter::new(file))
        .with_context(|| format!("{}: cannot write", output.display()))?;
    let mut written = 0u64;
    let mut measurements_left_out = 0u64;
    for item in reader.by_ref() {
        match item {
            ReadItem::Message(msg) => {
                if let Some(reason) = unwritable_reason(&msg) {
                    eprintln!(
                        "warning: {}: message {} not converted: {reason}",
                        input.display(),
                        msg.packet
                    );
                    continue;
                }
                writer
                    .write_message(&msg, &[])
                    .with_context(|| format!("{}: cannot write", output.display()))?;
                written += 1;
            }
            ReadItem::Measurement(_) => {
                // GSMTAP has no record for what the modem measured.
                measurements_left_out += 1;
            }
            ReadItem::Damage(d) => {
                eprintln!("warning: {}: damaged input at {d}", input.display());
            }
        }
    }
    if measurements_left_out > 0 {
        eprintln!(
            "note: {}: {measurements_left_out} measurement records (signal levels, timing \
             advance) not converted: GSMTAP has no place for them",
            input.display()
        );
    }
    writer
        .into_inner()
        .and_then(|mut w| w.flush())
        .with_context(|| format!("{}: cannot write", output.display()))?;
    eprintln!(
        "{} -> {}: {written} messages written",
        input.display(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Why a message read from a log is not worth writing as GSMTAP, if it is not.
///
/// Modems sometimes log NAS records that hold no NAS PDU at all (e.g. all zero bytes); written
/// out they would only show up as malformed packets, so `convert` reports and skips them.
fn unwritable_reason(msg: &stingwatch_model::RadioMessage) -> Option<String> {
    if msg.kind != PayloadKind::LteNas {
        return None;
    }
    match msg.payload.first().map(|b| b & 0x0f) {
        Some(2) | Some(7) => None,
        Some(pd) => Some(format!(
            "NAS record with protocol discriminator {pd} is not an EPS NAS PDU"
        )),
        None => Some("empty NAS record".to_string()),
    }
}
