//! The command line in the clerk's language: the help of every command and flag, and
//! clap's own errors, in Vietnamese unless `--lang en` is given (anywhere on the command
//! line) or `TONGHOP_LANG=en` is set.
//!
//! The derive definitions ([`super::Cli`] and each command's `Args`) keep their English
//! doc comments: they are the English help and the developers' documentation. The
//! Vietnamese help is [`VI`], applied to the built [`clap::Command`] before parsing, and
//! a test walks the command tree so that no flag is added without it. clap's fixed words
//! are replaced where clap offers a setting (the help template, headings, the help and
//! version flags); the few it writes itself (`[OPTIONS]`, `[default: ...]`) are
//! translated in the rendered text ([`vi_text`]). Errors are rendered here from their
//! kind and context, with clap's exit code (2), so that a clerk who mistypes a flag reads
//! what went wrong in Vietnamese.

use super::Cli;
use crate::lang::Lang;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// The language asked for before anything is parsed: the help and errors of the parse
/// itself must already be in it. `--lang en`, `--lang=en` anywhere (the last wins), else
/// `TONGHOP_LANG`, else Vietnamese.
pub fn lang_of(args: &[OsString]) -> Lang {
    let mut asked = None;
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = match a.strip_prefix("--lang") {
            Some("") => it.next().map(|v| v.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        if let Some(v) = value {
            asked = lang_named(&v).or(asked);
        }
    }
    asked.or_else(env_lang).unwrap_or_default()
}

/// `TONGHOP_LANG`, when it names a language: an office sets it once for its operator.
pub fn env_lang() -> Option<Lang> {
    std::env::var("TONGHOP_LANG")
        .ok()
        .as_deref()
        .and_then(lang_named)
}

fn lang_named(v: &str) -> Option<Lang> {
    match v.trim().to_ascii_lowercase().as_str() {
        "en" => Some(Lang::En),
        "vi" => Some(Lang::Vi),
        _ => None,
    }
}

/// Parse the command line, in the language [`lang_of`] finds. `Err` is the exit code
/// when the parse itself ended the program: help or version shown (0), or an error
/// said (2); the text is already printed.
pub fn parse(args: &[OsString]) -> Result<(Cli, Lang), u8> {
    let lang = lang_of(args);
    let outcome = command(lang)
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    match outcome {
        Ok(cli) => {
            let lang = cli.lang.or_else(env_lang).unwrap_or_default();
            Ok((cli, lang))
        }
        Err(err) => Err(report(&err, lang)),
    }
}

/// Print what the parse ended with and give its exit code.
fn report(err: &clap::Error, lang: Lang) -> u8 {
    let code = u8::try_from(err.exit_code()).unwrap_or(2);
    if lang.en() {
        // clap's own rendering, on stdout for help and on stderr for errors. A failed
        // print (a closed pipe) leaves nothing more to say.
        let _ = err.print();
        return code;
    }
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = super::print(&vi_text(&err.render().to_string()));
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", vi_text(&err.render().to_string()));
        }
        _ => eprint!("{}", vi_error(err)),
    }
    code
}

/// The Vietnamese help of every visible command and argument, by command name (`""`
/// for tonghop itself, `"*"` for arguments several commands share) and argument id
/// (`""` for the command's own description).
pub const VI: &[(&str, &str, &str)] = &[
    (
        "",
        "",
        "Kiểm tra và tổng hợp báo cáo phát triển đảng viên của các đơn vị (tệp Excel)",
    ),
    (
        "*",
        "lang",
        "Ngôn ngữ của thông báo: vi (mặc định) hoặc en; cũng đặt được bằng biến môi trường TONGHOP_LANG. Bảng tính gửi trả luôn bằng tiếng Việt",
    ),
    (
        "*",
        "form",
        "Tệp đặc tả biểu mẫu (TOML); mặc định: biểu mẫu phát triển đảng viên có sẵn (hoặc biến môi trường TONGHOP_FORM)",
    ),
    (
        "*",
        "detail",
        "Luôn ghi chi tiết từng tổ chức (các trang Chi tiết, các dòng bảng trong report.json)",
    ),
    ("*", "no_detail", "Không ghi chi tiết từng tổ chức"),
    (
        "*",
        "archive",
        "Kho lưu trữ (tệp SQLite); mặc định: tonghop-luu-tru.sqlite trong thư mục hiện tại, nơi run --out THƯ_MỤC đặt kho khi THƯ_MỤC nằm trong thư mục hiện tại",
    ),
    (
        "*",
        "period",
        "Kỳ báo cáo, ví dụ 01/01/2026..30/06/2026, \"6 tháng đầu năm 2026\" hoặc 2026",
    ),
    (
        "*",
        "jobs",
        "Số luồng xử lý (mặc định, hoặc 0: mỗi nhân một luồng; tối đa 4 luồng mỗi nhân)",
    ),
    (
        "*",
        "max_file_mib",
        "Từ chối tệp lớn hơn số MiB này (1 đến 16384)",
    ),
    (
        "*",
        "max_unzipped_mib",
        "Từ chối bảng tính giải nén ra hơn số MiB này, trong một phần hay tổng cộng (1 đến 65536)",
    ),
    (
        "*",
        "max_zip_ratio",
        "Từ chối phần trên 1 MiB giải nén ra gấp hơn số lần này cỡ nén của nó (2 đến 1000000)",
    ),
    (
        "*",
        "max_memory_mib",
        "Bộ nhớ cả lần chạy được dùng để đọc tệp, chung cho mọi luồng, tính bằng MiB (64 đến 1048576); tệp một mình cần hơn thì bị từ chối (FILE_SIZE)",
    ),
    (
        "template",
        "",
        "Ghi biểu mẫu trắng (bảng tính Excel) để gửi cho các đơn vị",
    ),
    (
        "template",
        "out",
        "Nơi ghi biểu mẫu trắng; mặc định: <mã biểu mẫu>.xlsx trong thư mục hiện tại. Với --per-unit: thư mục ghi biểu mẫu của từng đơn vị",
    ),
    (
        "template",
        "per_unit",
        "Mỗi đơn vị một biểu mẫu (THƯ_MỤC/<mã>.xlsx), điền sẵn mã, tên, kỳ báo cáo; từ kho lưu trữ: số đầu kỳ (= số cuối kỳ trước) và số cùng kỳ năm trước; các ô này được khóa",
    ),
    (
        "template",
        "period",
        "Kỳ báo cáo của biểu mẫu (dùng với --per-unit), ví dụ \"6 tháng đầu năm 2026\" hoặc 01/01/2026..30/06/2026",
    ),
    (
        "template",
        "units",
        "Chỉ ghi cho đơn vị có mã này (lặp lại để chọn nhiều; dùng với --per-unit); mặc định: mọi đơn vị phải báo cáo trong kỳ",
    ),
    (
        "template",
        "archive",
        "Kho lưu trữ để lấy số liệu (dùng với --per-unit); mặc định: tonghop-luu-tru.sqlite trong thư mục hiện tại. Nếu chưa có kho thì chỉ điền mã, tên đơn vị và kỳ báo cáo",
    ),
    (
        "describe",
        "",
        "Xem biểu mẫu: đơn vị, ô nhập liệu, bảng và quy tắc kiểm tra",
    ),
    ("describe", "json", "In dạng JSON thay cho bảng"),
    (
        "describe",
        "markdown",
        "In các bảng quy tắc dạng Markdown (các bảng trong README của biểu mẫu mặc định)",
    ),
    (
        "check",
        "",
        "Kiểm tra tệp hoặc thư mục và in các lỗi tìm thấy; không ghi gì",
    ),
    ("check", "paths", "Các tệp hoặc thư mục bài nộp"),
    (
        "check",
        "period",
        "Kỳ báo cáo đang thu, ví dụ 01/01/2026..30/06/2026, 1/1/2026-30/6/2026, \"6 tháng đầu năm 2026\", \"quý 2/2026\", 6/2026 hoặc 2026",
    ),
    (
        "check",
        "json",
        "In báo cáo dạng JSON (cùng dạng với report.json)",
    ),
    (
        "check",
        "archive",
        "Kho lưu trữ để đối chiếu với các kỳ trước (tệp SQLite do run ghi): các quy tắc carry, previous, change, outlier kiểm tra từng tệp; không có thì check không đối chiếu gì",
    ),
    (
        "run",
        "",
        "Kiểm tra thư mục bài nộp và ghi bảng tổng hợp, các bảng tính gửi trả và report.json",
    ),
    (
        "run",
        "inbox",
        "Thư mục chứa các bảng tính đơn vị nộp (.xlsx, .xls, .ods; gồm cả thư mục con)",
    ),
    (
        "run",
        "out",
        "Thư mục kết quả: tong-hop.xlsx, report.json và tra-lai/<MÃ>.xlsx được ghi vào đây",
    ),
    (
        "run",
        "period",
        "Kỳ báo cáo đang thu, ví dụ 01/01/2026..30/06/2026, 1/1/2026-30/6/2026, \"6 tháng đầu năm 2026\", \"quý 2/2026\", 6/2026 hoặc 2026. Nếu không ghi, chỉ kiểm tra ngày bắt đầu kỳ không muộn hơn ngày kết thúc",
    ),
    (
        "run",
        "deadline",
        "Hạn nộp báo cáo, ví dụ 20/07/2026; thay cho deadline_days của biểu mẫu (biểu mẫu mặc định: 20 ngày sau kỳ báo cáo)",
    ),
    ("run", "quiet", "Không hiện thanh tiến độ và bản tóm tắt"),
    (
        "run",
        "include_invalid",
        "Vẫn cộng cả bài nộp bị trả lại (được đánh dấu trong trang tình trạng)",
    ),
    (
        "run",
        "archive",
        "Kho lưu trữ ghi số liệu kỳ này (tệp SQLite); mặc định: tonghop-luu-tru.sqlite cạnh thư mục kết quả",
    ),
    ("run", "no_archive", "Không ghi vào kho lưu trữ"),
    (
        "run",
        "preparer",
        "Người lập biểu của báo cáo tỉnh gửi cấp trên (bao-cao-<mã>.xlsx); mặc định: tên Ban Tổ chức",
    ),
    (
        "run",
        "phone",
        "Số điện thoại của người lập biểu, ghi vào báo cáo tỉnh gửi cấp trên",
    ),
    (
        "run",
        "compare_with",
        "So sánh với kỳ này trong kho lưu trữ thay cho cùng kỳ năm trước, ví dụ \"6 tháng đầu năm 2025\"",
    ),
    (
        "run",
        "reopen",
        "Thay số liệu của kỳ trong kho lưu trữ kể cả khi kỳ đã chốt (đã báo cáo lên trên)",
    ),
    (
        "archive",
        "",
        "Kho lưu trữ số liệu các kỳ: xem danh sách, xem, xuất, nhập, chốt kỳ",
    ),
    (
        "decide",
        "",
        "Quyết định của người tổng hợp về tệp của đơn vị (tệp quyet-dinh.toml trong thư mục bài nộp): nhận, giữ tệp cũ, xem, xóa",
    ),
    (
        "decide accept",
        "",
        "Nhận tệp của đơn vị dù có cảnh báo (với --code: cả lỗi của các mã đó)",
    ),
    (
        "decide keep",
        "",
        "Dùng tệp này của đơn vị thay cho tệp mới nhất",
    ),
    (
        "decide list",
        "",
        "Liệt kê các quyết định và cho biết quyết định nào còn hiệu lực",
    ),
    ("decide remove", "", "Xóa một quyết định theo số thứ tự"),
    (
        "decide accept",
        "sha",
        "Mã băm SHA-256 của tệp, hoặc ít nhất 12 chữ số đầu",
    ),
    (
        "decide keep",
        "sha",
        "Mã băm SHA-256 của tệp, hoặc ít nhất 12 chữ số đầu",
    ),
    (
        "decide accept",
        "by",
        "Người quyết định; mặc định: tên người dùng của máy",
    ),
    (
        "decide keep",
        "by",
        "Người quyết định; mặc định: tên người dùng của máy",
    ),
    (
        "decide accept",
        "inbox",
        "Thư mục bài nộp (giữ tệp quyet-dinh.toml)",
    ),
    (
        "decide keep",
        "inbox",
        "Thư mục bài nộp (giữ tệp quyet-dinh.toml)",
    ),
    (
        "decide list",
        "inbox",
        "Thư mục bài nộp (giữ tệp quyet-dinh.toml)",
    ),
    (
        "decide remove",
        "inbox",
        "Thư mục bài nộp (giữ tệp quyet-dinh.toml)",
    ),
    ("decide accept", "unit", "Mã đơn vị"),
    ("decide keep", "unit", "Mã đơn vị"),
    (
        "decide accept",
        "file",
        "Tệp của đơn vị (trong thư mục bài nộp, hoặc đường dẫn)",
    ),
    (
        "decide keep",
        "file",
        "Tệp của đơn vị (trong thư mục bài nộp, hoặc đường dẫn)",
    ),
    ("decide accept", "note", "Lý do (ghi kèm quyết định)"),
    ("decide keep", "note", "Lý do (ghi kèm quyết định)"),
    (
        "decide accept",
        "codes",
        "Mã lỗi cũng được nhận (lặp lại cho nhiều mã); chỉ mã của quy tắc so khớp số liệu",
    ),
    (
        "decide remove",
        "number",
        "Số thứ tự của quyết định, như decide list cho thấy",
    ),
    (
        "archive list",
        "",
        "Liệt kê các kỳ trong kho: số đơn vị, thời điểm ghi, từ tệp nào",
    ),
    (
        "archive show",
        "",
        "Xem một kỳ: số liệu toàn tỉnh và tệp của từng đơn vị, hoặc số liệu của một đơn vị kèm ô đã đọc",
    ),
    (
        "archive show",
        "unit",
        "Chỉ đơn vị này, kèm tệp, trang và ô của từng số liệu",
    ),
    (
        "archive export",
        "",
        "Ghi một kỳ ra bảng tính hoặc CSV: mỗi đơn vị một dòng, mỗi số liệu một cột",
    ),
    (
        "archive export",
        "out",
        "Tệp ghi ra: .xlsx (archive import đọc lại được) hoặc .csv",
    ),
    (
        "archive import",
        "",
        "Ghi một kỳ vào kho từ report.json hay thư mục kết quả của lần chạy trước, hoặc từ bảng tính theo mẫu archive template",
    ),
    (
        "archive import",
        "path",
        "Tệp report.json, thư mục kết quả có report.json, hoặc bảng tính (.xlsx, .xls, .ods) theo mẫu archive template",
    ),
    (
        "archive import",
        "period",
        "Kỳ báo cáo, khi tệp không ghi kỳ (hoặc để đối chiếu với kỳ tệp ghi)",
    ),
    (
        "archive import",
        "reopen",
        "Thay số liệu của kỳ kể cả khi kỳ đã chốt",
    ),
    (
        "archive template",
        "",
        "Ghi bảng trắng mỗi đơn vị một dòng để nhập tay số liệu (ví dụ năm trước) rồi archive import",
    ),
    ("archive template", "out", "Nơi ghi bảng"),
    (
        "archive template",
        "period",
        "Kỳ của bảng: liệt kê các đơn vị của kỳ và ghi sẵn ngày",
    ),
    (
        "run",
        "targets",
        "Tệp chỉ tiêu (theo mẫu targets template); mặc định: chỉ tiêu của kỳ trong kho lưu trữ",
    ),
    (
        "archive import-targets",
        "",
        "Lưu chỉ tiêu của một kỳ (và của nhiệm kỳ) vào kho từ tệp theo mẫu targets template; có lỗi thì không lưu gì",
    ),
    ("archive import-targets", "file", "Tệp chỉ tiêu"),
    (
        "targets",
        "",
        "Chỉ tiêu: ghi tệp mẫu trắng, mỗi đơn vị một dòng",
    ),
    (
        "targets template",
        "",
        "Ghi tệp chỉ tiêu trắng mà run --targets và archive import-targets đọc",
    ),
    ("targets template", "out", "Nơi ghi tệp (.xlsx)"),
    (
        "archive close",
        "",
        "Chốt một kỳ đã báo cáo lên trên: lần chạy sau không thay đổi kỳ này trừ khi có --reopen",
    ),
    (
        "samples",
        "",
        "Tạo bài nộp giống thật (một số có lỗi) để dùng thử và kiểm thử",
    ),
    ("samples", "out", "Thư mục ghi các bài nộp"),
    (
        "samples",
        "units",
        "Số đơn vị (mặc định: mọi đơn vị phải báo cáo trong kỳ). Nhiều hơn thì thêm đơn vị giả và ghi THƯ_MỤC/form.toml",
    ),
    (
        "samples",
        "rows",
        "Số dòng bảng mỗi đơn vị (mặc định: 10 đến 60, chọn ngẫu nhiên cho từng đơn vị)",
    ),
    (
        "samples",
        "seed",
        "Hạt giống ngẫu nhiên: cùng hạt giống cho cùng các tệp",
    ),
    (
        "samples",
        "faults",
        "Số lỗi cài vào mỗi đơn vị có lỗi (liệt kê trong THƯ_MỤC/faults.json)",
    ),
    (
        "samples",
        "faulty_units",
        "Số đơn vị có lỗi (mặc định: một phần năm)",
    ),
    (
        "samples",
        "period",
        "Kỳ báo cáo ghi trong các bài nộp (cách viết như của run --period)",
    ),
    (
        "samples",
        "archive",
        "Nối tiếp các kỳ trong kho lưu trữ này: mỗi đơn vị bắt đầu từ số cuối kỳ trước và ghi lại số năm trước vào cột Cùng kỳ năm trước",
    ),
    (
        "samples",
        "carry_faults",
        "Cùng --archive: số đơn vị có số đầu kỳ khác số cuối kỳ trước (ghi trong faults.json là CARRY)",
    ),
    (
        "samples",
        "formulas",
        "Ghi mỗi số liệu của bảng thành một công thức kèm giá trị (=3+0 hiện 3), như trang tính đơn vị tự lập",
    ),
    (
        "bench",
        "",
        "Đo tốc độ của run so với mức sàn chỉ đọc bằng calamine, trên dữ liệu tạo ra",
    ),
    (
        "bench",
        "scenario",
        "Kịch bản: a (49 đơn vị x 40 dòng), b (2.000 x 40), c (10.000 x 40), d (50 x 20.000), e (50.000 x 5), f (10 x 10.000 dòng công thức dạng .ods và .xls, cần LibreOffice), nhiều kịch bản cách nhau bằng dấu phẩy, hoặc all",
    ),
    (
        "bench",
        "units",
        "Số bài nộp của mỗi kịch bản đã chọn, thay cho số của kịch bản (để đo ở quy mô khác)",
    ),
    (
        "bench",
        "rows",
        "Số dòng bảng của mỗi bài nộp, thay cho số của kịch bản",
    ),
    (
        "bench",
        "jobs",
        "Số luồng cho lần chạy và mức sàn (mặc định, hoặc 0: mỗi nhân một luồng; tối đa 4 luồng mỗi nhân). Kịch bản b cũng được đo với 1 luồng",
    ),
    (
        "bench",
        "keep",
        "Giữ dữ liệu tạo ra trong THƯ_MỤC và dùng lại ở lần đo sau (mặc định: thư mục tạm, xoá khi xong)",
    ),
    ("bench", "json", "In số đo dạng JSON thay cho bảng"),
    (
        "bench",
        "repeat",
        "Đo mỗi trường hợp bằng này lần và báo lần nhanh nhất (1 đến 100)",
    ),
    (
        "bench",
        "faults",
        "Số lỗi cài vào một phần năm số đơn vị, như tonghop samples --faults (mặc định: bài nộp sạch)",
    ),
    ("bench", "seed", "Hạt giống của dữ liệu tạo ra"),
    (
        "completions",
        "",
        "In đoạn mã gợi ý lệnh (Tab) cho vỏ lệnh: bash, zsh, fish, powershell, elvish",
    ),
    (
        "completions",
        "shell",
        "Vỏ lệnh: bash, zsh, fish, powershell hoặc elvish",
    ),
    (
        "man",
        "",
        "In trang hướng dẫn (man, dạng roff), hoặc ghi mỗi lệnh một trang với --out",
    ),
    (
        "man",
        "out",
        "Ghi tonghop.1 và mỗi lệnh một trang (tonghop-run.1, ...) vào THƯ_MỤC thay vì in tonghop.1",
    ),
];

/// Value names as the Vietnamese help shows them (`--out <THƯ_MỤC>`).
const VI_VALUE_NAMES: &[(&str, &str)] = &[
    ("DIR", "THƯ_MỤC"),
    ("FILE", "TỆP"),
    ("INBOX", "THƯ_MỤC_NỘP"),
    ("PATHS", "TỆP_HOẶC_THƯ_MỤC"),
    ("PERIOD", "KỲ"),
    ("DATE", "NGÀY"),
    ("JOBS", "SỐ_LUỒNG"),
    ("RATIO", "TỶ_LỆ"),
    ("LANG", "NGÔN_NGỮ"),
    ("UNITS", "SỐ"),
    ("ROWS", "SỐ"),
    ("SEED", "SỐ"),
    ("FAULTS", "SỐ"),
    ("FAULTY_UNITS", "SỐ"),
    ("REPEAT", "SỐ"),
    ("SCENARIO", "KỊCH_BẢN"),
    ("SHELL", "VỎ_LỆNH"),
    ("CODE", "MÃ"),
    ("PATH", "ĐƯỜNG_DẪN"),
    ("HEX", "MÃ_BĂM"),
    ("NUMBER", "SỐ"),
    ("NOTE", "LÝ_DO"),
    ("BY", "NGƯỜI"),
    ("UNIT", "MÃ_ĐV"),
    ("NAME", "HỌ_TÊN"),
    ("PHONE", "SỐ_ĐIỆN_THOẠI"),
    ("MIB", "SỐ_MIB"),
    ("CARRY_FAULTS", "SỐ"),
];

/// The Vietnamese help of argument `id` of command `cmd` (`""` for the command itself).
pub fn vi_help(cmd: &str, id: &str) -> Option<&'static str> {
    let find = |c: &str| VI.iter().find(|(vc, vi, _)| *vc == c && *vi == id);
    find(cmd)
        .or_else(|| if id.is_empty() { None } else { find("*") })
        .map(|(_, _, text)| *text)
}

/// tonghop's command, its help in `lang`.
pub fn command(lang: Lang) -> clap::Command {
    localize(Cli::command(), "", lang)
}

/// `cmd` (named `name` in [`VI`]) and its subcommands with their help in `lang`, and
/// clap's own help and version flags described in it.
fn localize(cmd: clap::Command, name: &str, lang: Lang) -> clap::Command {
    let top = name.is_empty();
    let mut cmd = cmd
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(lang.pick("In trợ giúp này", "Print help")),
        );
    if top {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(lang.pick("In số phiên bản", "Print version")),
        );
    }
    if !lang.en() {
        if let Some(about) = vi_help(name, "") {
            cmd = cmd.about(about);
        }
        cmd = cmd
            .help_template(
                "{before-help}{about-with-newline}\nCách dùng: {usage}\n\n{all-args}{after-help}",
            )
            .subcommand_help_heading("Lệnh")
            .subcommand_value_name("LỆNH")
            .mut_args(|a| {
                let heading = if a.is_positional() {
                    "Đối số"
                } else {
                    "Tuỳ chọn"
                };
                let mut a = a.help_heading(heading);
                if let Some(help) = vi_help(name, a.get_id().as_str()) {
                    a = a.help(help);
                }
                // Renamed only when every name has its Vietnamese one.
                let renamed: Option<Vec<&'static str>> = a.get_value_names().and_then(|names| {
                    names
                        .iter()
                        .map(|n| {
                            VI_VALUE_NAMES
                                .iter()
                                .find(|(en, _)| *en == n.as_str())
                                .map(|(_, vi)| *vi)
                        })
                        .collect()
                });
                if let Some(names) = renamed {
                    a = a.value_names(names);
                }
                a
            });
    }
    // A nested command is named by its path (`archive template`), so its entries never
    // take those of a top-level command of the same name.
    cmd.mut_subcommands(|s| {
        let name = if top {
            s.get_name().to_string()
        } else {
            format!("{name} {}", s.get_name())
        };
        localize(s, &name, lang)
    })
}

/// clap's fixed English words in a rendered help or usage, in Vietnamese.
pub fn vi_text(text: &str) -> String {
    [
        ("Usage: ", "Cách dùng: "),
        ("[OPTIONS]", "[TUỲ_CHỌN]"),
        ("[default: ", "[mặc định: "),
        ("[possible values: ", "[giá trị: "),
        ("Possible values:", "Giá trị:"),
        ("[aliases: ", "[tên khác: "),
    ]
    .iter()
    .fold(text.to_string(), |t, (en, vi)| t.replace(en, vi))
}

/// The commands of the command an error is about (`tonghop archive` has its own), told
/// from the usage line clap gives: a hint never lists the wrong level's commands.
fn command_names(err: &clap::Error) -> String {
    let usage = ctx(err, ContextKind::Usage).unwrap_or_default();
    let mut at = Cli::command();
    for word in usage
        .split_whitespace()
        .skip_while(|w| !w.ends_with("tonghop"))
        .skip(1)
    {
        match at.find_subcommand(word) {
            Some(s) => at = s.clone(),
            None => break,
        }
    }
    at.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A context value as text: one string, or several joined.
fn ctx(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        ContextValue::Bool(b) => Some(b.to_string()),
        ContextValue::None => None,
        _ => None,
    }
}

/// A clap error as the clerk reads it: what is wrong, naming the argument, a hint, the
/// usage line and where to read more.
fn vi_error(err: &clap::Error) -> String {
    let arg = ctx(err, ContextKind::InvalidArg).unwrap_or_default();
    let value = ctx(err, ContextKind::InvalidValue).unwrap_or_default();
    let mut hints = Vec::new();
    let head = match err.kind() {
        ErrorKind::UnknownArgument => {
            if let Some(s) = ctx(err, ContextKind::SuggestedArg) {
                hints.push(format!("có phải ý bạn là '{s}'?"));
            }
            if let Some(s) = ctx(err, ContextKind::SuggestedSubcommand) {
                hints.push(format!("có phải ý bạn là lệnh '{s}'?"));
            }
            if matches!(
                err.get(ContextKind::TrailingArg),
                Some(ContextValue::Bool(true))
            ) {
                hints.push(format!("để dùng '{arg}' làm giá trị, hãy viết '-- {arg}'"));
            }
            format!("không có tuỳ chọn '{arg}'")
        }
        ErrorKind::InvalidSubcommand => {
            let sub = ctx(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            if let Some(s) = ctx(err, ContextKind::SuggestedSubcommand) {
                hints.push(format!("có phải ý bạn là lệnh '{s}'?"));
            }
            hints.push(format!("các lệnh: {}", command_names(err)));
            format!("không có lệnh '{sub}'")
        }
        ErrorKind::InvalidValue => {
            if let Some(v) = ctx(err, ContextKind::ValidValue) {
                hints.push(format!("giá trị được phép: {v}"));
            }
            if let Some(s) = ctx(err, ContextKind::SuggestedValue) {
                hints.push(format!("có phải ý bạn là '{s}'?"));
            }
            if value.is_empty() {
                format!("{arg} cần một giá trị")
            } else {
                format!("giá trị '{value}' không hợp lệ cho {arg}")
            }
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(err)
                .map(|s| validation_vi(&s.to_string()))
                .unwrap_or_else(|| "không hợp lệ".to_string());
            format!("giá trị '{value}' của {arg} {why}")
        }
        ErrorKind::MissingRequiredArgument => format!("thiếu {arg}"),
        ErrorKind::MissingSubcommand => {
            hints.push(format!("các lệnh: {}", command_names(err)));
            "cần một lệnh".to_string()
        }
        ErrorKind::ArgumentConflict => {
            let prior = ctx(err, ContextKind::PriorArg).unwrap_or_default();
            if prior.is_empty() {
                format!("{arg} không dùng được ở đây")
            } else {
                format!("{arg} không dùng được cùng với {prior}")
            }
        }
        ErrorKind::NoEquals => format!("{arg} cần dấu '=' trước giá trị"),
        ErrorKind::TooManyValues => format!("quá nhiều giá trị cho {arg}: '{value}'"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("số giá trị cho {arg} không đúng")
        }
        ErrorKind::InvalidUtf8 => "dòng lệnh có ký tự không đọc được (không phải UTF-8)".into(),
        _ => format!("dòng lệnh không đúng ({})", err.kind()),
    };
    let mut out = format!("lỗi: {head}\n");
    if !hints.is_empty() {
        out.push('\n');
    }
    for h in &hints {
        out.push_str(&format!("  gợi ý: {h}\n"));
    }
    if let Some(usage) = ctx(err, ContextKind::Usage) {
        let usage = vi_text(usage.trim());
        out.push_str(&format!("\n{usage}\n"));
        let path: Vec<&str> = usage
            .trim_start_matches("Cách dùng: ")
            .split_whitespace()
            .take_while(|w| !w.starts_with(['[', '<', '-']))
            .collect();
        out.push_str(&format!("\nXem thêm: {} --help\n", path.join(" ")));
    }
    out
}

/// Why a value failed clap's check, from the English words of clap's and std's parsers.
fn validation_vi(why: &str) -> String {
    if let Some((_, range)) = why.split_once(" is not in ") {
        let range = range.replace("..=", " đến ");
        return format!("không nằm trong khoảng {range}");
    }
    if why.contains("invalid digit") || why.contains("empty string") {
        return "không phải là một số nguyên".into();
    }
    if why.contains("too large") || why.contains("too small") {
        return "vượt quá giới hạn".into();
    }
    "không hợp lệ".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn lang_is_found_anywhere_on_the_command_line() {
        assert_eq!(
            lang_of(&os(&["tonghop", "run", "x", "--lang", "en"])),
            Lang::En
        );
        assert_eq!(lang_of(&os(&["tonghop", "--lang=en", "--help"])), Lang::En);
        assert_eq!(
            lang_of(&os(&["tonghop", "--lang", "en", "--lang", "vi"])),
            Lang::Vi
        );
        assert_eq!(
            lang_of(&os(&["tonghop", "--", "--lang", "en"])),
            lang_of(&os(&["tonghop"]))
        );
    }

    #[test]
    fn every_visible_command_and_argument_has_its_vietnamese_help() {
        fn walk(cmd: &clap::Command, name: &str, missing: &mut Vec<String>) {
            if vi_help(name, "").is_none() {
                missing.push(format!("command '{name}'"));
            }
            for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                let id = a.get_id().as_str();
                if vi_help(name, id).is_none() {
                    missing.push(format!("{name} {id}"));
                }
            }
            for s in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                let path = if name.is_empty() {
                    s.get_name().to_string()
                } else {
                    format!("{name} {}", s.get_name())
                };
                walk(s, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "", &mut missing);
        assert!(
            missing.is_empty(),
            "no entry in cmd::args::VI for {missing:?}"
        );
        // And no entry names an argument that is gone.
        let cmd = Cli::command();
        for (c, id, _) in VI {
            if id.is_empty() || *c == "*" {
                continue;
            }
            let sub = c.split(' ').fold(&cmd, |at, part| {
                at.find_subcommand(part)
                    .unwrap_or_else(|| panic!("no command {c}"))
            });
            assert!(
                sub.get_arguments().any(|a| a.get_id() == *id),
                "{c} {id} is stale"
            );
        }
    }

    #[test]
    fn help_is_vietnamese_and_english_on_request() {
        let mut vi = command(Lang::Vi);
        vi.build();
        let run = vi.find_subcommand_mut("run").unwrap();
        let help = vi_text(&run.render_long_help().to_string());
        assert!(help.contains("Cách dùng: tonghop run"), "{help}");
        for en in [
            "Usage",
            "Options",
            "Arguments",
            "Print help",
            "[default",
            "OPTIONS",
        ] {
            assert!(!help.contains(en), "{en} in:\n{help}");
        }
        let mut en = command(Lang::En);
        en.build();
        let help = en
            .find_subcommand_mut("run")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(
            help.contains("Usage:") && help.contains("Output folder"),
            "{help}"
        );
    }

    #[test]
    fn errors_name_the_argument_in_vietnamese() {
        let err = command(Lang::Vi)
            .try_get_matches_from(["tonghop", "run", "--bogus"])
            .unwrap_err();
        let text = vi_error(&err);
        assert!(
            text.starts_with("lỗi: không có tuỳ chọn '--bogus'"),
            "{text}"
        );
        assert!(text.contains("Xem thêm: tonghop run --help"), "{text}");
        let err = command(Lang::Vi)
            .try_get_matches_from(["tonghop", "bench", "--repeat", "500"])
            .unwrap_err();
        let text = vi_error(&err);
        assert!(text.contains("không nằm trong khoảng 1 đến 100"), "{text}");
        let err = command(Lang::Vi)
            .try_get_matches_from(["tonghop", "run", "inbox"])
            .unwrap_err();
        assert!(vi_error(&err).contains("thiếu --out"), "{}", vi_error(&err));
    }
}
