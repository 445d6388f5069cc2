//! The iOS text readers on arbitrary text: URL extraction from messages, hosts of URLs and
//! backup paths, the shutdown log, `.ips` analytics reports and their timestamps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_ios_artifacts::text::{
    domains_in_path, host_of_url, parse_iso8601_utc, urls_in_text, MAX_DOMAINS_PER_PATH,
    MAX_HOST_BYTES, MAX_URLS_PER_TEXT, MAX_URL_BYTES,
};
use stingwatch_ios_artifacts::{
    glob_match, ips_documents, parse_ips_timestamp, parse_shutdown_log,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (urls, _) = urls_in_text(&text);
    assert!(urls.len() <= MAX_URLS_PER_TEXT);
    for url in &urls {
        assert!(url.len() <= MAX_URL_BYTES);
        let host = host_of_url(url).expect("an extracted URL has a host");
        assert!(host.len() <= MAX_HOST_BYTES && !host.is_empty());
    }
    assert!(domains_in_path(&text).len() <= MAX_DOMAINS_PER_PATH);
    let (entries, _) = parse_shutdown_log(&text);
    for entry in &entries {
        assert!(entry.line >= 1);
    }
    let (documents, problem) = ips_documents(&text);
    assert!(documents.len() <= 2);
    assert!(!documents.is_empty() || problem.is_some());
    let _ = parse_ips_timestamp(&text);
    let _ = parse_iso8601_utc(&text);
    if let Some((pattern, subject)) = text.split_once('\n') {
        let _ = glob_match(pattern, subject);
    }
});
