//! The decisions applied to a run's consolidation, after it chose each unit's file and
//! before anything is written: a kept older file takes the newer one's place, an
//! accepted file is not sent back. No figure is touched; the province's figures are
//! added up again from the files that stand now.

use super::{Book, Decision, Kind};
use crate::consolidate::Consolidation;
use crate::finding::{Builtin, Finding};
use crate::form::Form;
use crate::lang::{Lang, Msg};
use crate::submission::Status;

/// What became of one decision.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// In force, on the file it names.
    Applied,
    /// Its file is there, unchanged, but the decision does not cover all its errors:
    /// the file is returned as it would have been.
    NotApplied(Msg),
    /// Its file changed or is gone, or a newer file came since: not applied.
    Expired(Msg),
}

/// One decision and what became of it.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// What became of it.
    pub state: State,
    /// The submission it concerns now (the file it names, or the unit's file it no
    /// longer matches).
    pub submission: Option<usize>,
}

/// Every decision of the run and what became of it.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The decisions' file, when there is one.
    pub file: Option<String>,
    /// Entries in the file, usable or not.
    pub count: usize,
    /// Each usable decision, in the file's order.
    pub outcomes: Vec<Outcome>,
    /// The file's unusable entries (and expired decisions of units that sent nothing).
    pub problems: Vec<Finding>,
}

impl Applied {
    /// The decision in force on submission `i`, if any.
    pub fn on(&self, i: usize) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(move |o| o.submission == Some(i))
    }

    /// Whether an accept decision is in force on submission `i`: its findings send
    /// nothing back.
    pub fn accepted(&self, i: usize) -> bool {
        self.on(i)
            .any(|o| o.state == State::Applied && matches!(o.decision.kind, Kind::Accept { .. }))
    }

    /// What the status sheet says of submission `i`: each decision about it, in force
    /// or not.
    pub fn note(&self, i: usize, lang: Lang) -> Option<String> {
        let parts: Vec<String> = self
            .on(i)
            .map(|o| {
                let s = o.decision.sentence();
                match &o.state {
                    State::Applied => s.get(lang).to_string(),
                    State::NotApplied(why) | State::Expired(why) => {
                        format!("{} — {}", s.get(lang), why.get(lang))
                    }
                }
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(" | "))
    }

    /// The decision in force on each submission, as the archive keeps it with the
    /// file's version (by submission, `n` of them).
    pub fn sentences(&self, n: usize) -> Vec<Option<String>> {
        let mut out = vec![None; n];
        for o in self.outcomes.iter().filter(|o| o.state == State::Applied) {
            if let Some(i) = o.submission.filter(|&i| i < n) {
                let s = o.decision.sentence().vi;
                out[i] = Some(match out[i].take() {
                    Some(before) => format!("{before} | {s}"),
                    None => s,
                });
            }
        }
        out
    }
}

/// A finding of the clerk's decision on a file: for the clerk, never sent back.
fn said(vi: String, en: String) -> Finding {
    Finding::warning(Builtin::Decision, Msg::new(vi, en))
}

/// Apply `book` to `c`: keep decisions first (they decide which file stands), then
/// accept decisions on the files that stand.
pub fn apply(form: &Form, c: &mut Consolidation, book: Book, include_invalid: bool) -> Applied {
    let mut applied = Applied {
        file: book.file,
        count: book.count,
        outcomes: Vec::new(),
        problems: book.problems,
    };
    let (keeps, accepts): (Vec<Decision>, Vec<Decision>) = book
        .decisions
        .into_iter()
        .partition(|d| matches!(d.kind, Kind::Keep { .. }));
    for d in keeps {
        let o = keep(form, c, d);
        applied.outcomes.push(o);
    }
    for d in accepts {
        let o = accept(form, c, d);
        applied.outcomes.push(o);
    }
    for o in &applied.outcomes {
        if let (State::Expired(why), None) = (&o.state, o.submission) {
            let s = o.decision.sentence();
            applied.problems.push(said(
                format!("{} — {}", s.vi, why.vi),
                format!("{} — {}", s.en, why.en),
            ));
        }
    }
    applied.outcomes.sort_by_key(|o| o.decision.n);
    if applied.outcomes.iter().any(|o| o.state == State::Applied) {
        // Which files are summed may have changed: as consolidation decides it.
        let period = c.period;
        c.included = c
            .submissions
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.unit
                    .is_some_and(|u| c.kept[u] == Some(i) && form.units[u].exists_on_end(period))
                    && (s.status == Status::Accepted
                        || (include_invalid
                            && s.status == Status::Rejected
                            && !s
                                .findings
                                .iter()
                                .any(|f| f.code.is(Builtin::Dup) && f.is_error())))
            })
            .collect();
        (c.totals, c.beyond) = crate::consolidate::totals(form, &c.submissions, &c.included);
    }
    applied
}

fn unit_of(form: &Form, code: &str) -> Option<usize> {
    form.units.iter().position(|u| u.code == code)
}

/// The unit's files that consolidation weighed (read, of the unit).
fn candidates(c: &Consolidation, u: usize) -> Vec<usize> {
    (0..c.submissions.len())
        .filter(|&i| c.submissions[i].unit == Some(u) && c.submissions[i].report.is_some())
        .collect()
}

fn expired(d: Decision, why: Msg, submission: Option<usize>, c: &mut Consolidation) -> Outcome {
    if let Some(i) = submission {
        let s = d.sentence();
        c.submissions[i].findings.push(said(
            format!("{} — {}", s.vi, why.vi),
            format!("{} — {}", s.en, why.en),
        ));
    }
    Outcome {
        decision: d,
        state: State::Expired(why),
        submission,
    }
}

fn gone(d: &Decision) -> Msg {
    let h = &d.sha256;
    Msg::new(
        format!(
            "HẾT HIỆU LỰC: không còn tệp nào của đơn vị {} có mã băm {h} trong thư mục bài nộp (tệp đã thay đổi hoặc bị xóa); hãy xem lại và quyết định lại nếu cần",
            d.unit
        ),
        format!(
            "EXPIRED: no file of unit {} with hash {h} is in the inbox any more (the file changed or was removed); look again and decide again if need be",
            d.unit
        ),
    )
}

fn keep(form: &Form, c: &mut Consolidation, d: Decision) -> Outcome {
    let Some(u) = unit_of(form, &d.unit) else {
        return expired(d.clone(), gone(&d), None, c);
    };
    let files = candidates(c, u);
    let winner = c.kept[u];
    // Of byte-identical copies, the one consolidation did not set aside as a copy.
    let chosen = files
        .iter()
        .copied()
        .filter(|&i| d.names(&c.submissions[i].sha256))
        .min_by_key(|&i| {
            let s = &c.submissions[i];
            (Some(i) != winner, s.superseded_by.is_some(), i)
        });
    let Some(chosen) = chosen else {
        return expired(d.clone(), gone(&d), winner, c);
    };
    let chosen_sha = c.submissions[chosen].sha256.clone();
    if let (
        Kind::Keep {
            instead_of: Some(was),
        },
        Some(w),
    ) = (&d.kind, winner)
    {
        let newest = &c.submissions[w].sha256;
        if !newest.starts_with(was.as_str()) && *newest != chosen_sha {
            let file = c.submissions[w].file.clone();
            let why = Msg::new(
                format!(
                    "HẾT HIỆU LỰC: đơn vị đã gửi tệp mới hơn sau quyết định ({file}), tệp mới được dùng; hãy xem lại và quyết định lại nếu cần"
                ),
                format!(
                    "EXPIRED: the unit sent a newer file after the decision ({file}), which is used; look again and decide again if need be"
                ),
            );
            return expired(d, why, Some(w), c);
        }
    }
    let code = form.units[u].code.clone();
    let chosen_file = c.submissions[chosen].file.clone();
    let s = d.sentence();
    for &j in &files {
        let sub = &mut c.submissions[j];
        if j == chosen {
            continue;
        }
        if sub.sha256 == chosen_sha && sub.status == Status::Duplicate {
            // A copy of the kept file: it says so already.
            continue;
        }
        sub.findings.retain(|f| !f.code.is(Builtin::Dup));
        sub.findings.push(said(
            format!(
                "{}. Tệp {chosen_file} của đơn vị {code} được dùng thay cho tệp này.",
                s.vi
            ),
            format!(
                "{}. File {chosen_file} of unit {code} is used instead of this one.",
                s.en
            ),
        ));
        sub.status = Status::Duplicate;
        sub.superseded_by = Some(chosen_file.clone());
    }
    let sub = &mut c.submissions[chosen];
    sub.findings.retain(|f| !f.code.is(Builtin::Dup));
    sub.superseded_by = None;
    sub.status = if sub.findings.iter().any(Finding::is_error) {
        Status::Rejected
    } else {
        Status::Accepted
    };
    sub.findings.push(said(
        format!("{}. Tệp này được dùng cho đơn vị {code}.", s.vi),
        format!("{}. This file is used for unit {code}.", s.en),
    ));
    c.kept[u] = Some(chosen);
    Outcome {
        decision: d,
        state: State::Applied,
        submission: Some(chosen),
    }
}

fn accept(form: &Form, c: &mut Consolidation, d: Decision) -> Outcome {
    let Some(u) = unit_of(form, &d.unit) else {
        return expired(d.clone(), gone(&d), None, c);
    };
    let Some(k) = c.kept[u] else {
        return expired(d.clone(), gone(&d), None, c);
    };
    if !d.names(&c.submissions[k].sha256) {
        let now = &c.submissions[k];
        let why = Msg::new(
            format!(
                "HẾT HIỆU LỰC: tệp của đơn vị đã thay đổi (tệp dùng bây giờ là {}, mã băm {}); quyết định không áp dụng cho tệp mới, hãy xem lại và quyết định lại nếu cần",
                now.file,
                now.sha256.get(..12).unwrap_or(&now.sha256)
            ),
            format!(
                "EXPIRED: the unit's file changed (the file used now is {}, hash {}); the decision does not apply to the new file; look again and decide again if need be",
                now.file,
                now.sha256.get(..12).unwrap_or(&now.sha256)
            ),
        );
        return expired(d, why, Some(k), c);
    }
    let Kind::Accept { codes } = &d.kind else {
        unreachable!("accept decisions only")
    };
    let sub = &mut c.submissions[k];
    let mut uncovered: Vec<String> = sub
        .findings
        .iter()
        .filter(|f| f.is_error() && !codes.iter().any(|c| c == f.code.as_str()))
        .map(|f| f.code.as_str().to_string())
        .collect();
    uncovered.sort();
    uncovered.dedup();
    let s = d.sentence();
    if !uncovered.is_empty() {
        let list = uncovered.join(", ");
        let why = Msg::new(
            format!("CHƯA ÁP DỤNG: tệp còn lỗi {list} mà quyết định không nêu; tệp vẫn bị trả lại"),
            format!(
                "NOT APPLIED: the file has errors {list} the decision does not name; it is still returned"
            ),
        );
        sub.findings.push(said(
            format!("{} — {}", s.vi, why.vi),
            format!("{} — {}", s.en, why.en),
        ));
        return Outcome {
            decision: d,
            state: State::NotApplied(why),
            submission: Some(k),
        };
    }
    let had_errors = sub.errors() > 0;
    if had_errors {
        sub.status = Status::Accepted;
        sub.findings.push(said(
            format!("{}. TỆP ĐƯỢC NHẬN DÙ CÓ LỖI: số liệu được tổng hợp đúng như đơn vị báo cáo, không sửa.", s.vi),
            format!("{}. ACCEPTED DESPITE ERRORS: its figures are summed exactly as the unit reported them, unchanged.", s.en),
        ));
    } else {
        sub.findings.push(said(
            format!(
                "{}. Các cảnh báo đã được xem xét: tệp không bị trả lại.",
                s.vi
            ),
            format!(
                "{}. The warnings were seen: the file is not sent back.",
                s.en
            ),
        ));
    }
    Outcome {
        decision: d,
        state: State::Applied,
        submission: Some(k),
    }
}
