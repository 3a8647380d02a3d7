//! When the reports are due, how each unit stands against that day, and which units the
//! province has to chase (the *Đôn đốc* sheet, don-doc.csv, the end of `run`'s summary).
//!
//! A unit's standing comes from the date of report it wrote on its form, never from the
//! file's time: a file copied from a USB stick or saved again by the clerk has a new
//! time, and a unit that sent on time must not read as late because of it. A date of
//! report after the day of the run cannot be true and is said so rather than believed.
//!
//! ```
//! use chrono::NaiveDate;
//! use tonghop::deadline::Standing;
//! let due = NaiveDate::from_ymd_opt(2026, 7, 20).unwrap();
//! let today = NaiveDate::from_ymd_opt(2026, 7, 25).unwrap();
//! let on = |d: u32| Some(NaiveDate::from_ymd_opt(2026, 7, d).unwrap());
//! assert_eq!(Standing::of(on(20), due, today), Standing::OnTime);
//! assert_eq!(Standing::of(on(23), due, today), Standing::Late(3));
//! assert_eq!(Standing::of(on(26), due, today), Standing::AfterRunDay);
//! assert_eq!(Standing::missing(due, today), Standing::Overdue(5));
//! ```

use crate::archive::Contact;
use crate::consolidate::Consolidation;
use crate::form::Form;
use crate::lang::{Lang, Msg};
use crate::period::Period;
use crate::submission::{Status, Submission};
use crate::text::date::{format_date, parse_date_text};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The environment variable that fixes the day of the run, so that what is late does not
/// depend on the day a test runs; for tests, not for clerks.
pub const TODAY_VAR: &str = "TONGHOP_TODAY";

/// A date given to the run that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    /// `--deadline` is not a date.
    #[error("--deadline '{0}' is not a date; write e.g. 20/07/2026")]
    Deadline(String),
    /// `TONGHOP_TODAY` is not a date.
    #[error("{TODAY_VAR} '{0}' is not a date; write e.g. 2026-07-25")]
    Today(String),
}

impl DeadlineError {
    /// The error as the clerk reads it, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (DeadlineError::Deadline(s), Lang::Vi) => format!(
                "--deadline '{s}' không phải là ngày (ngày/tháng/năm); hãy viết, ví dụ: 20/07/2026"
            ),
            (DeadlineError::Today(s), Lang::Vi) => format!(
                "{TODAY_VAR} '{s}' không phải là ngày; hãy viết, ví dụ: 2026-07-25 (biến này chỉ dùng khi kiểm thử)"
            ),
            (e, Lang::En) => e.to_string(),
        }
    }
}

/// `--deadline` as the clerk types dates (`20/07/2026`, `20/7/2026`, `2026-07-20`).
pub fn parse_deadline(text: &str) -> Result<NaiveDate, DeadlineError> {
    parse_date_text(text).map_err(|_| DeadlineError::Deadline(text.trim().to_string()))
}

/// The day of the run: [`TODAY_VAR`] when set, else the computer's local date.
pub fn today() -> Result<NaiveDate, DeadlineError> {
    match std::env::var(TODAY_VAR) {
        Ok(v) if !v.trim().is_empty() => {
            parse_date_text(&v).map_err(|_| DeadlineError::Today(v.trim().to_string()))
        }
        _ => Ok(chrono::Local::now().date_naive()),
    }
}

/// The day reports are due, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The last day a report is on time.
    pub date: NaiveDate,
    /// Days after the end of the period, when the form set it; `None` when given to
    /// the run (`--deadline`).
    pub days: Option<u32>,
}

impl Deadline {
    /// The deadline of a run: the date given, else the form's days after the end of the
    /// period. Without a period (none given, none inferred) the form's days count from
    /// nothing, and there is none.
    pub fn of(form: &Form, period: Option<Period>, given: Option<NaiveDate>) -> Option<Deadline> {
        if let Some(date) = given {
            return Some(Deadline { date, days: None });
        }
        let (period, days) = (period?, form.deadline_days?);
        let date = period
            .to
            .checked_add_days(chrono::Days::new(u64::from(days)))?;
        Some(Deadline {
            date,
            days: Some(days),
        })
    }

    /// How the deadline is said at the head of the sheets and in the summary.
    pub fn describe(&self, lang: Lang) -> String {
        match (self.days, lang) {
            (Some(n), Lang::Vi) => format!(
                "Hạn nộp {} ({n} ngày sau kỳ báo cáo)",
                format_date(self.date)
            ),
            (Some(n), Lang::En) => format!(
                "Deadline {} ({} after the period)",
                format_date(self.date),
                days(i64::from(n))
            ),
            (None, Lang::Vi) => format!("Hạn nộp {} (theo --deadline)", format_date(self.date)),
            (None, Lang::En) => format!("Deadline {} (from --deadline)", format_date(self.date)),
        }
    }
}

/// What a run without a deadline says where the deadline would be.
pub fn no_deadline(lang: Lang) -> &'static str {
    lang.pick(
        "Không có hạn nộp: chưa rõ kỳ báo cáo (hãy cho --period hoặc --deadline)",
        "No deadline: the period is not known (give --period or --deadline)",
    )
}

/// A unit against the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Dated on or before the deadline.
    OnTime,
    /// Dated this many days after the deadline.
    Late(i64),
    /// The form's date of report is blank or not a date.
    Undated,
    /// The date of report is after the day of the run: a typing slip, not a date to
    /// judge by.
    AfterRunDay,
    /// Nothing received, and the deadline has not passed.
    Missing,
    /// Nothing received, this many days after the deadline.
    Overdue(i64),
}

impl Standing {
    /// A received report dated `report_date`, due `deadline`, judged on `today`.
    pub fn of(report_date: Option<NaiveDate>, deadline: NaiveDate, today: NaiveDate) -> Standing {
        match report_date {
            None => Standing::Undated,
            Some(d) if d > today => Standing::AfterRunDay,
            Some(d) if d > deadline => Standing::Late((d - deadline).num_days()),
            Some(_) => Standing::OnTime,
        }
    }

    /// A unit that sent nothing, judged on `today`.
    pub fn missing(deadline: NaiveDate, today: NaiveDate) -> Standing {
        if today > deadline {
            Standing::Overdue((today - deadline).num_days())
        } else {
            Standing::Missing
        }
    }

    /// The standing as report.json names it.
    pub fn key(self) -> &'static str {
        match self {
            Standing::OnTime => "on_time",
            Standing::Late(_) => "late",
            Standing::Undated => "undated",
            Standing::AfterRunDay => "after_run_day",
            Standing::Missing => "missing",
            Standing::Overdue(_) => "overdue",
        }
    }

    /// Days past the deadline: 0 on time, `None` where they cannot be told.
    pub fn days_late(self) -> Option<i64> {
        match self {
            Standing::OnTime => Some(0),
            Standing::Late(n) | Standing::Overdue(n) => Some(n),
            Standing::Undated | Standing::AfterRunDay | Standing::Missing => None,
        }
    }

    /// The standing as the status sheet and the chasing list say it.
    pub fn text(self) -> Msg {
        match self {
            Standing::OnTime => Msg::new("Đúng hạn", "On time"),
            Standing::Late(n) => Msg::new(format!("Muộn {n} ngày"), format!("{} late", days(n))),
            Standing::Undated => Msg::new("Không có ngày báo cáo", "No date of report"),
            Standing::AfterRunDay => Msg::new(
                "Ngày báo cáo sau ngày chạy",
                "Date of report after the day of the run",
            ),
            Standing::Missing => Msg::new("Chưa nộp", "Not received"),
            Standing::Overdue(n) => Msg::new(
                format!("Chưa nộp, quá hạn {n} ngày"),
                format!("Not received, {} overdue", days(n)),
            ),
        }
    }
}

/// `n days`, with `1 day` singular.
fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// Why a unit is on the chasing list, in the order the list groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Want {
    /// Nothing received: send the report.
    Send,
    /// Its report was returned: correct it and send it again.
    Correct,
    /// Accepted, but dated after the deadline: nothing to redo, the lateness is noted.
    Late,
}

/// One unit to chase.
#[derive(Debug, Clone)]
pub struct Chased {
    /// The unit (index into the form's units).
    pub unit: usize,
    /// What is wanted from it.
    pub want: Want,
    /// Errors of its returned report (0 otherwise).
    pub errors: usize,
    /// The returned workbook, relative to OUT, for a returned report.
    pub returned: Option<String>,
    /// The preparer named in its last file.
    pub preparer: Option<String>,
    /// The phone written in its last file.
    pub phone: Option<String>,
    /// The date of report of its last file.
    pub report_date: Option<NaiveDate>,
    /// The earlier period whose file gave the preparer, phone and date, when the unit
    /// sent nothing this period and the archive had one.
    pub earlier: Option<Period>,
    /// Against the deadline, when there is one.
    pub standing: Option<Standing>,
}

impl Chased {
    /// What is wanted, as the clerk sends it to the unit.
    pub fn wanted(&self, lang: Lang) -> String {
        match (self.want, &self.standing) {
            (Want::Send, _) => lang.pick("Gửi báo cáo", "Send the report").to_string(),
            (Want::Correct, _) => {
                let file = self.returned.as_deref().unwrap_or_default();
                match lang {
                    Lang::Vi => format!("Sửa và gửi lại ({} lỗi, xem {file})", self.errors),
                    Lang::En => {
                        format!(
                            "Correct and send again ({}, see {file})",
                            errors(self.errors)
                        )
                    }
                }
            }
            (Want::Late, Some(Standing::Late(n))) => match lang {
                Lang::Vi => format!("Nộp muộn {n} ngày"),
                Lang::En => format!("Sent {} late", days(*n)),
            },
            (Want::Late, _) => lang.pick("Nộp muộn", "Sent late").to_string(),
        }
    }
}

/// The run's deadline, each submission's and each missing unit's standing, and the units
/// to chase.
#[derive(Debug, Clone)]
pub struct Chase {
    /// The deadline, when the run has one.
    pub deadline: Option<Deadline>,
    /// The day of the run.
    pub today: NaiveDate,
    /// Each submission's standing, by index, for the readable ones when there is a
    /// deadline.
    pub standings: Vec<Option<Standing>>,
    /// The units to chase: missing, then returned, then late, each in the form's order.
    pub units: Vec<Chased>,
}

impl Chase {
    /// Judge the consolidation against `deadline` on `today`; `contacts` (by unit code,
    /// from the archive) name whom to call for a unit without any file this period.
    pub fn new(
        form: &Form,
        c: &Consolidation,
        deadline: Option<Deadline>,
        today: NaiveDate,
        contacts: &HashMap<String, Contact>,
    ) -> Chase {
        let standings: Vec<Option<Standing>> = c
            .submissions
            .iter()
            .map(|s| {
                let due = deadline?;
                s.report.as_ref()?;
                Some(Standing::of(report_date(form, s), due.date, today))
            })
            .collect();
        let mut units = Vec::new();
        for &u in &c.expected {
            let chased = match c.kept[u] {
                None => {
                    // Nothing kept; a file of the unit that could not be used still
                    // says whom to call.
                    let files = c.submissions.iter().filter(|s| s.unit == Some(u));
                    if files.clone().any(|s| s.held_back) {
                        // Read, but held back for the run's memory limit: the clerk
                        // runs again, the unit has nothing to do.
                        continue;
                    }
                    let last = files.max_by_key(|s| (report_date(form, s), s.modified));
                    // Nothing at all this period: whom its last report named.
                    let earlier = last
                        .is_none()
                        .then(|| contacts.get(&form.units[u].code))
                        .flatten();
                    Chased {
                        unit: u,
                        want: Want::Send,
                        errors: 0,
                        returned: None,
                        preparer: last
                            .and_then(|s| text_of(s, form.identity.preparer))
                            .or_else(|| earlier.and_then(|e| e.preparer.clone())),
                        phone: last
                            .and_then(|s| text_of(s, form.identity.phone))
                            .or_else(|| earlier.and_then(|e| e.phone.clone())),
                        report_date: last
                            .and_then(|s| report_date(form, s))
                            .or_else(|| earlier.and_then(|e| e.report_date)),
                        earlier: earlier.map(|e| e.period),
                        standing: deadline.map(|d| Standing::missing(d.date, today)),
                    }
                }
                Some(i) => {
                    let s = &c.submissions[i];
                    let standing = standings[i];
                    let want = match (s.status, standing) {
                        (Status::Rejected, _) => Want::Correct,
                        (_, Some(Standing::Late(_))) => Want::Late,
                        _ => continue,
                    };
                    Chased {
                        unit: u,
                        want,
                        errors: if want == Want::Correct { s.errors() } else { 0 },
                        returned: (want == Want::Correct).then(|| {
                            format!(
                                "{}/{}.xlsx",
                                crate::write::staging::RETURNED_DIR,
                                form.units[u].code
                            )
                        }),
                        preparer: text_of(s, form.identity.preparer),
                        phone: text_of(s, form.identity.phone),
                        report_date: report_date(form, s),
                        earlier: None,
                        standing,
                    }
                }
            };
            units.push(chased);
        }
        // Stable: within a group, the form's order stays.
        units.sort_by_key(|x| x.want);
        Chase {
            deadline,
            today,
            standings,
            units,
        }
    }

    /// The units wanted for `want`, in order.
    pub fn wanting(&self, want: Want) -> impl Iterator<Item = &Chased> {
        self.units.iter().filter(move |x| x.want == want)
    }

    /// The deadline as said at the head of the sheets and in the summary.
    pub fn describe(&self, lang: Lang) -> String {
        match &self.deadline {
            Some(d) => d.describe(lang),
            None => no_deadline(lang).to_string(),
        }
    }
}

impl Chase {
    /// The end of `run`'s summary: the deadline, then the units to chase by code and
    /// name, grouped as the clerk works through them (the calls for the day).
    pub fn summary(&self, form: &Form, lang: Lang) -> Vec<String> {
        let mut lines = vec![self.describe(lang)];
        // Every missing unit is as overdue as the others: said once, on the group.
        let overdue = self
            .deadline
            .map(|d| Standing::missing(d.date, self.today))
            .and_then(|s| s.days_late());
        for (want, head) in [
            (
                Want::Send,
                lang.pick("Cần gửi báo cáo", "To send the report"),
            ),
            (
                Want::Correct,
                lang.pick("Cần sửa và gửi lại", "To correct and send again"),
            ),
            (Want::Late, lang.pick("Nộp muộn", "Sent late")),
        ] {
            let units: Vec<&Chased> = self.wanting(want).collect();
            if units.is_empty() {
                continue;
            }
            let late = match (want, overdue) {
                (Want::Send, Some(n)) => match lang {
                    Lang::Vi => format!(", quá hạn {n} ngày"),
                    Lang::En => format!(", {} overdue", days(n)),
                },
                _ => String::new(),
            };
            lines.push(format!("{head} ({}{late}):", units.len()));
            for x in units {
                let unit = &form.units[x.unit];
                let mut notes = Vec::new();
                if x.want == Want::Correct {
                    notes.push(match lang {
                        Lang::Vi => format!("{} lỗi", x.errors),
                        Lang::En => errors(x.errors),
                    });
                }
                if let Some(s @ Standing::Late(_)) = x.standing {
                    notes.push(s.text().get(lang).to_lowercase());
                }
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", notes.join(", "))
                };
                lines.push(format!("  {} {}{notes}", unit.code, unit.name));
            }
        }
        lines
    }
}

/// `n errors`, with `1 error` singular.
fn errors(n: usize) -> String {
    if n == 1 {
        "1 error".to_string()
    } else {
        format!("{n} errors")
    }
}

/// The date of report written in a submission.
fn report_date(form: &Form, s: &Submission) -> Option<NaiveDate> {
    let cell = form.identity.report_date?;
    s.report.as_ref()?.cells[cell].date()
}

/// The text of identity cell `cell` (the preparer, the phone) of a read file, trimmed;
/// `None` when blank or not asked for.
pub fn text_of(s: &Submission, cell: Option<usize>) -> Option<String> {
    let t = s.report.as_ref()?.cells[cell?].text()?.trim();
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// A unit whose file was read but held back for the run's memory limit is the
    /// clerk's to run again: not missing, not chased, and the upward report says so.
    #[test]
    fn a_unit_held_back_for_memory_is_neither_missing_nor_chased() {
        let form = Form::default_form().unwrap();
        let mut subs = crate::pipeline::samples(&form, &["MUONGNHE.xlsx", "CAT.xlsx"]);
        let held = subs[1].unit.unwrap();
        crate::keep::Keeper::new(1 << 30).refuse(&mut subs[1], 1);
        let c = crate::consolidate::consolidate(&form, subs, false, None);
        assert!(!c.missing_units().contains(&held));
        assert_eq!(c.held_back_units(), vec![held]);
        let chase = Chase::new(&form, &c, None, d(2026, 8, 1), &HashMap::new());
        assert!(chase.units.iter().all(|x| x.unit != held));
        // The units that sent nothing are still chased.
        assert!(chase.units.iter().any(|x| x.want == Want::Send));
        let cov = crate::write::upward::Coverage::counted(&form, &c);
        assert!(!cov.complete() && cov.held_back == vec![held]);
        let said = cov.sentence(&form, 3, Lang::Vi);
        assert!(said.contains("chưa tổng hợp vì giới hạn bộ nhớ"), "{said}");
        assert_eq!(
            crate::write::report::status_text(
                c.submissions.iter().find(|s| s.held_back).unwrap(),
                false
            )
            .vi,
            "Đã đọc, chưa tổng hợp (giới hạn bộ nhớ)"
        );
    }

    #[test]
    fn the_deadline_day_itself_is_on_time_and_the_next_one_day_late() {
        let due = d(2026, 7, 20);
        let today = d(2026, 8, 31);
        assert_eq!(
            Standing::of(Some(d(2026, 7, 1)), due, today),
            Standing::OnTime
        );
        assert_eq!(Standing::of(Some(due), due, today), Standing::OnTime);
        assert_eq!(
            Standing::of(Some(d(2026, 7, 21)), due, today),
            Standing::Late(1)
        );
        // Across a month end: 20/07 to 02/08 is 13 days.
        assert_eq!(
            Standing::of(Some(d(2026, 8, 2)), due, today),
            Standing::Late(13)
        );
        assert_eq!(Standing::of(None, due, today), Standing::Undated);
    }

    #[test]
    fn a_date_after_the_run_day_is_not_believed_even_when_it_would_be_late() {
        let due = d(2026, 7, 20);
        let today = d(2026, 7, 25);
        assert_eq!(Standing::of(Some(today), due, today), Standing::Late(5));
        assert_eq!(
            Standing::of(Some(d(2026, 7, 26)), due, today),
            Standing::AfterRunDay
        );
        // Before the deadline too: a date in the future is a slip, not a report on time.
        let early = d(2026, 7, 10);
        assert_eq!(
            Standing::of(Some(d(2026, 7, 11)), due, early),
            Standing::AfterRunDay
        );
    }

    #[test]
    fn a_missing_unit_is_overdue_only_once_the_deadline_has_passed() {
        let due = d(2026, 7, 20);
        assert_eq!(Standing::missing(due, d(2026, 7, 19)), Standing::Missing);
        assert_eq!(Standing::missing(due, due), Standing::Missing);
        assert_eq!(Standing::missing(due, d(2026, 7, 21)), Standing::Overdue(1));
        // Over a leap day: 20/02/2028 to 01/03/2028 is 10 days.
        assert_eq!(
            Standing::missing(d(2028, 2, 20), d(2028, 3, 1)),
            Standing::Overdue(10)
        );
        assert_eq!(Standing::Overdue(3).days_late(), Some(3));
        assert_eq!(Standing::Missing.days_late(), None);
        assert_eq!(Standing::OnTime.days_late(), Some(0));
    }

    #[test]
    fn the_form_counts_its_days_from_the_end_of_the_period_and_a_given_date_wins() {
        let form = Form::default_form().unwrap();
        assert_eq!(form.deadline_days, Some(20));
        let half = Period::parse("6 tháng đầu năm 2026").unwrap();
        let due = Deadline::of(&form, Some(half), None).unwrap();
        assert_eq!((due.date, due.days), (d(2026, 7, 20), Some(20)));
        let year = Period::parse("2025").unwrap();
        assert_eq!(
            Deadline::of(&form, Some(year), None).unwrap().date,
            d(2026, 1, 20)
        );
        assert_eq!(Deadline::of(&form, None, None), None);
        let given = Deadline::of(&form, Some(half), Some(d(2026, 8, 5))).unwrap();
        assert_eq!((given.date, given.days), (d(2026, 8, 5), None));
        // Given without a period, the date stands on its own.
        assert_eq!(
            Deadline::of(&form, None, Some(d(2026, 8, 5))).unwrap().date,
            d(2026, 8, 5)
        );
    }

    #[test]
    fn standings_are_said_in_both_languages() {
        assert_eq!(Standing::Late(3).text().get(Lang::Vi), "Muộn 3 ngày");
        assert_eq!(Standing::Late(1).text().get(Lang::En), "1 day late");
        assert_eq!(Standing::Late(2).text().get(Lang::En), "2 days late");
        assert_eq!(
            Standing::Overdue(4).text().get(Lang::Vi),
            "Chưa nộp, quá hạn 4 ngày"
        );
        assert_eq!(Standing::OnTime.text().get(Lang::Vi), "Đúng hạn");
    }

    #[test]
    fn a_deadline_typed_by_a_clerk_is_read_and_a_wrong_one_named() {
        assert_eq!(parse_deadline("20/7/2026").unwrap(), d(2026, 7, 20));
        assert_eq!(parse_deadline(" 2026-07-20 ").unwrap(), d(2026, 7, 20));
        let e = parse_deadline("31/02/2026").unwrap_err();
        assert_eq!(e, DeadlineError::Deadline("31/02/2026".into()));
        assert!(e.message(Lang::Vi).contains("không phải là ngày"));
    }

    /// The problems a specification is refused with.
    fn refused(text: &str) -> Vec<String> {
        match Form::from_toml(text, "test") {
            Err(crate::spec::SpecError::Invalid { problems, .. }) => problems,
            Err(e) => vec![e.to_string()],
            Ok(_) => panic!("accepted a bad specification"),
        }
    }

    #[test]
    fn a_form_is_refused_at_load_for_a_deadline_or_contact_it_cannot_have() {
        let spec = crate::form::DEFAULT_SPEC;
        let p = refused(&spec.replace("deadline_days = 20", "deadline_days = 400"));
        assert!(p.iter().any(|m| m.contains("form.deadline_days")), "{p:?}");
        let p = refused(&spec.replace("deadline_days = 20", "deadline_days = -1"));
        assert!(p.iter().any(|m| m.contains("deadline_days")), "{p:?}");
        let p = refused(&spec.replace("preparer = \"preparer\"", "preparer = \"report_date\""));
        assert!(
            p.iter()
                .any(|m| m.contains("identity.preparer") && m.contains("text")),
            "{p:?}"
        );
        let p = refused(&spec.replace("phone = \"phone\"", "phone = \"telephone\""));
        assert!(p.iter().any(|m| m.contains("identity.phone")), "{p:?}");
        // Without it the form sets no deadline, and a period gives none.
        let form = Form::from_toml(&spec.replace("deadline_days = 20", ""), "test").unwrap();
        let half = Period::parse("6 tháng đầu năm 2026").unwrap();
        assert_eq!(Deadline::of(&form, Some(half), None), None);
    }
}
