"""Reading a community's own export: real-world files load correctly or fail naming file, line, column."""

import gzip

import pandas as pd
import pytest

from commsim.sim.log_io import LogFileError, read_log


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_excel_csv_with_bom_crlf_quoted_names_and_mixed_times(tmp_path):
    path = write(tmp_path, "export.csv", "\ufeffuser,time,target\r\n\"Smith, John\",2024-03-01 10:00,alice\r\n"
                 "alice,2024-03-01 11:00,\"Smith, John\"\r\nbob,2024-03-02T09:00:00+08:00,\r\nalice,2024-03-05,bob\r\n")
    log, report = read_log(path)
    assert list(log.labels) == ["Smith, John", "alice", "bob"], "no BOM in the first name, quotes respected"
    assert report.header and report.columns == {"user": "user", "time": "time", "target": "target"}
    # days are 24-hour blocks from the first action (03-01 10:00): 03-05 00:00 falls in day 3
    assert log.n_days == 4 and report.rows == 4 and report.ties == 2
    assert log.interactions.shape[0] == 3


def test_semicolon_delimited_unix_seconds_and_a_header_of_any_words(tmp_path):
    path = write(tmp_path, "crm.csv", "sender;sent_at;to\nAnn Lee;1709280000;Bob Smith\nBob Smith;1709366400;Ann Lee\n")
    log, report = read_log(path)
    assert report.delimiter == ";" and report.header, "the header is found from the data, not a word list"
    assert report.columns == {"user": "sender", "time": "sent_at", "target": "to"}
    assert list(log.labels) == ["Ann Lee", "Bob Smith"] and report.time_format == "Unix seconds"


def test_tab_separated_names_with_spaces_and_no_header(tmp_path):
    path = write(tmp_path, "log.tsv", "Ann Lee\tBob Smith\t2024-03-01\nBob Smith\tAnn Lee\t2024-03-02\n")
    log, report = read_log(path)
    assert report.delimiter == "\t" and not report.header
    assert list(log.labels) == ["Ann Lee", "Bob Smith"], "a tab beats the spaces inside names"


def test_id_header_is_a_header_and_ids_stay_strings(tmp_path):
    path = write(tmp_path, "ids.csv", "member_id,friend_id,when\n007,2,1709280000\n2,007,1709366400\n")
    log, report = read_log(path)
    assert report.header and report.columns["user"] == "member_id"
    assert list(log.labels) == ["007", "2"], "ids are labels: 007 is not 7"


def test_explicit_column_mapping_and_ignored_columns_are_reported(tmp_path):
    path = write(tmp_path, "wide.csv", "channel,recipient,author,stamp,likes\n"
                 "general,bo,al,2024-01-01,3\ngeneral,al,bo,2024-01-02,1\n")
    log, report = read_log(path, columns={"user": "author", "target": "recipient", "time": "stamp"})
    assert report.columns == {"user": "author", "time": "stamp", "target": "recipient"}
    assert report.ignored_columns == ["channel", "likes"]
    assert "ignored: channel, likes" in "\n".join(report.lines())
    with pytest.raises(LogFileError, match="calibrate.columns.user='writer' is not a column.*author"):
        read_log(path, columns={"user": "writer"})


def test_gzip_and_parquet_and_calendar_days_in_a_time_zone(tmp_path):
    import pandas as pd

    raw = "user,time\nann,2024-03-01T23:30:00+00:00\nann,2024-03-02T00:30:00+00:00\n"
    gz = tmp_path / "log.csv.gz"
    gz.write_bytes(gzip.compress(raw.encode()))
    log, _ = read_log(gz, day_start="midnight")
    assert log.n_days == 2, "two UTC calendar days"
    log, _ = read_log(gz, day_start="midnight", timezone="Asia/Shanghai")
    assert log.n_days == 1, "the same evening and night are one day in Shanghai (UTC+8)"
    pq = tmp_path / "log.parquet"
    pd.DataFrame({"user": ["a", "b"], "time": ["2024-01-01", "2024-01-09"]}).to_parquet(pq)
    assert read_log(pq)[0].n_days == 9



def test_a_parquet_id_column_with_gaps_stays_one_person_per_id(tmp_path):
    """An int column with nulls (pyarrow, Spark, polars) is not read as floats: recipient 2 is user 2."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    times = ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]
    table = pa.table({"user": pa.array([1, 2, 3, 1], pa.int64()), "time": times,
                      "target": pa.array([2, None, 1, 3], pa.int64())})
    pq.write_table(table, tmp_path / "log.parquet")
    _, report = read_log(tmp_path / "log.parquet")
    assert (report.rows, report.people) == (4, 3)
    as_floats = pd.DataFrame({"user": [1.0, 2.0, 3.0, 1.0], "time": times, "target": [2.0, None, 1.0, 3.0]})
    as_floats.to_parquet(tmp_path / "floats.parquet")
    assert read_log(tmp_path / "floats.parquet")[1].people == 3

@pytest.mark.parametrize("name, text, expected", [
    ("empty.csv", "", "empty.csv: no rows"),
    ("comments.csv", "# nothing\n# here\n", "no rows"),
    ("badtime.csv", "user,time\nann,2024-03-01\nbob,yesterday\n", "badtime.csv, line 3: column 'time': 'yesterday'"),
    ("ragged.csv", "user,time\nann,2024-03-01\nbob,2024-03-02,extra,more\n", "ragged.csv, line 3"),
    ("notime.csv", "user,target\nann,bob\nbob,ann\n", "no column reads as times"),
    ("onecolumn.csv", "ann\nbob\n", "cannot tell how the columns are separated"),
    ("headeronly.csv", "user,time\n", "cannot tell|a header line and no rows|no column reads"),
])
def test_bad_logs_name_the_file_and_what_is_wrong(tmp_path, name, text, expected):
    with pytest.raises(LogFileError, match=expected):
        read_log(write(tmp_path, name, text))



@pytest.mark.parametrize("name, times, zone, first_utc", [
    ("postgres", ["2024-03-01 10:00:00+08", "2024-03-02 11:00:00+08"], "UTC", "2024-03-01 02:00"),
    ("bigquery", ["2024-03-01 10:00:00 UTC", "2024-03-02 10:00:00 UTC"], "Asia/Shanghai", "2024-03-01 10:00"),
    ("email", ["Fri, 01 Mar 2024 10:00:00 GMT", "Sat, 02 Mar 2024 10:00:00 GMT"], "UTC", "2024-03-01 10:00"),
    ("dst_end", ["2024-10-26 12:00", "2024-10-27 02:30", "2024-10-28 09:00"], "Europe/Berlin", "2024-10-26 10:00"),
    ("dst_start", ["2024-03-31 02:30", "2024-04-01 09:00"], "Europe/Berlin", "2024-03-31 01:00"),
    ("microseconds", ["1709287200000000", "1709373600000000"], "UTC", "2024-03-01 10:00"),
    ("nanoseconds", ["1709287200000000000", "1709373600000000000"], "UTC", "2024-03-01 10:00"),
    ("compact_iso", ["20240301T100000Z", "20240302T100000Z"], "Asia/Shanghai", "2024-03-01 10:00"),
])
def test_common_exports_times_read_with_their_zone_and_clock_changes(tmp_path, name, times, zone, first_utc):
    """PostgreSQL (+08), BigQuery (UTC), e-mail (RFC 2822, GMT) stamps, local times in the hour a clock
    turns back (read as standard time) or skips, and micro- or nanosecond epochs."""
    text = "user,time\n" + "".join(f"u{i},\"{t}\"\n" for i, t in enumerate(times))
    log, report = read_log(write(tmp_path, f"{name}.csv", text), timezone=zone)
    assert pd.Timestamp(report.first_time).tz_convert("UTC") == pd.Timestamp(first_utc, tz="UTC")
    if name in ("postgres", "bigquery", "email", "compact_iso"):
        assert report.time_format == "datetimes with a time zone" and not report.warnings, "no zone warning"
    assert log.n_days == 2


@pytest.mark.parametrize("text, expected", [
    ("time,user,target\n10:00,ann,bob\n11:00,bob,ann\n", "no column reads as times|clock times without a date"),
    ("user,time\nann,1709287200\nbob,1709287200000000000000\n", "outside 1990-2100"),
    ("user,time\nann,1990-01-01\nbob,2150-01-02\n", r"runs from 1990-01-01 to 2150-01-02, outside 1990-2100"),
    ("user,time\nann,1709287200\nbob,1709290800\ncat,9999999999\n", r"to the year 2,287, outside 1990-2100"),
])
def test_clock_times_and_implausible_dates_are_refused(tmp_path, text, expected):
    with pytest.raises(LogFileError, match=expected):
        read_log(write(tmp_path, "odd.csv", text))


def test_comments_above_the_data_are_skipped_and_a_user_named_with_a_hash_is_not(tmp_path):
    text = ("# exported 2024-03-05\n# from the group chat\nuser,time,target\nann,2024-03-01,#bob\n#bob,2024-03-02,ann\n"
            "# re-exported, 2024-03-20, by ops\n")
    _, report = read_log(write(tmp_path, "hash.csv", text))
    assert (report.rows, report.people) == (2, 2), "#bob is a person; a '# ...' line with commas is a comment"
    spaced = "user time target\nann 2024-03-01 bob\n# by hand\nbob 2024-03-02 ann\n"
    assert read_log(write(tmp_path, "spaced.txt", spaced))[1].rows == 2

@pytest.mark.parametrize("encoding, warned", [("gbk", "GBK/GB18030"), ("gb18030", "GBK/GB18030"),
                                               ("utf-16", "UTF-16")])
def test_excel_exports_from_chinese_windows_read_as_the_utf8_file_does(tmp_path, encoding, warned):
    """Excel's "CSV" on Chinese Windows is GBK; its "Unicode text" UTF-16 with a BOM, tab-separated."""
    text = "用户ID,发送时间,接收者\n张三,2024-03-01 10:00,李四\n李四,2024-03-02 11:30,张三\n王五,2024-03-02 12:00,张三\n"
    if encoding == "utf-16":
        text = text.replace(",", "\t")
    log, report = read_log(write(tmp_path, f"{encoding}.csv", text, encoding=encoding))
    same, plain = read_log(write(tmp_path, "utf8.csv", text))
    assert (report.rows, report.people, report.columns) == (plain.rows, plain.people, plain.columns) == \
        (3, 3, {"user": "用户ID", "time": "发送时间", "target": "接收者"})
    assert log.labels.tolist() == same.labels.tolist() == ["张三", "李四", "王五"]
    assert any(warned in w for w in report.warnings)
    assert not any("UTF-16" in w or "GBK" in w for w in plain.warnings)


def test_not_utf8_and_a_missing_file_are_explained(tmp_path):
    with pytest.raises(LogFileError, match=r"line 2: not UTF-8 .*CSV UTF-8"):
        read_log(write(tmp_path, "latin.csv", "user,time\nJosé,2024-01-01\n", encoding="latin-1"))
    # an accent before a letter also makes a GBK character ('Jürgen' -> 'J黵gen'): still refused, not garbled
    with pytest.raises(LogFileError, match=r"line 2: not UTF-8"):
        read_log(write(tmp_path, "de.csv", "user,time\nJürgen Müller,2024-01-01\nSørensen,2024-01-02\n",
                       encoding="cp1252"))
    mixed = tmp_path / "mixed.csv"  # UTF-8 Chinese, then a line appended in GBK
    mixed.write_bytes("user,time\n张三,2024-01-01\n".encode() + "李四,2024-01-02\n".encode("gbk"))
    with pytest.raises(LogFileError, match=r"line 3: not UTF-8"):
        read_log(mixed)
    broken = tmp_path / "u16.csv"
    broken.write_bytes(b"\xff\xfe" + "user,time\n上海,2024-01-01\n".encode("utf-16-le") + b"\x00")
    with pytest.raises(LogFileError, match=r"line 3: not UTF-8 text, nor valid UTF-16"):
        read_log(broken)
    with pytest.raises(LogFileError, match="no such file"):
        read_log(tmp_path / "nope.csv")
    with pytest.raises(LogFileError, match="unknown time zone 'Mars/Olympus'"):
        read_log(write(tmp_path, "ok.csv", "user,time\na,2024-01-01\n"), timezone="Mars/Olympus")


def test_collegemsg_reads_as_documented():
    log, report = read_log("data/collegemsg/CollegeMsg.txt.gz")
    assert (report.rows, report.people, report.active_people, log.n_days) == (59_835, 1_899, 1_350, 194)
    assert report.columns == {"user": "src", "time": "time", "target": "dst"} and report.header
    assert log.first_weekday == 3, "2004-04-15 was a Thursday"


def test_chinese_headers_are_read_by_name_and_a_nickname_is_not_a_recipient(tmp_path):
    path = write(tmp_path, "群聊导出.csv", "用户ID,昵称,发送时间,回复对象ID\nu1,小明,2024-03-01 10:00,u2\nu2,小红,2024-03-01 11:00,u1\n"
                 "u3,阿强,2024-03-02 09:00,\nu1,小明,2024-03-03 09:00,u3\n")
    log, report = read_log(path, timezone="Asia/Shanghai")
    assert report.columns == {"user": "用户ID", "time": "发送时间", "target": "回复对象ID"}
    assert report.ignored_columns == ["昵称"] and log.people == 3


def test_a_guessed_nickname_column_is_an_alias_never_a_second_person(tmp_path):
    # no header names a role: user, then the next column, would be guessed; the next column renames
    # the user one-to-one, so it is skipped with a warning and people are not doubled
    path = write(tmp_path, "export.csv", "a,b,c,d\n1001,Ming,2024-03-01 10:00,1002\n1002,Hong,2024-03-01 11:00,1001\n"
                 "1003,Qiang,2024-03-02 09:00,1001\n1001,Ming,2024-03-03 09:00,1003\n")
    log, report = read_log(path)
    assert report.columns == {"user": "a", "time": "c", "target": "d"} and log.people == 3
    assert any("'b'" in w and "alias" in w for w in report.warnings)
    assert any("warning:" in line and "alias" in line for line in report.lines())


def test_when_the_nickname_comes_first_the_id_column_is_the_user(tmp_path):
    path = write(tmp_path, "export.csv", "name,member_id,when\nMing,1001,2024-03-01 10:00\nHong,1002,2024-03-01 11:00\n"
                 "Ming,1001,2024-03-02 10:00\n")
    log, report = read_log(path)
    assert report.columns["user"] == "member_id" and "target" not in report.columns
    assert sorted(log.labels) == ["1001", "1002"]


def test_of_two_alias_columns_without_id_names_the_digits_are_the_user(tmp_path):
    path = write(tmp_path, "export.csv", "a,b,c\nMing,1001,2024-03-01 10:00\nHong,1002,2024-03-01 11:00\n"
                 "Ming,1001,2024-03-02 10:00\n")
    log, report = read_log(path)
    assert report.columns["user"] == "b" and sorted(log.labels) == ["1001", "1002"]


def test_a_recipient_column_that_pairs_people_one_to_one_is_still_a_recipient(tmp_path):
    # a ring: each person writes to one other and hears from one other -- one-to-one, but the
    # recipients are people who act, so no alias
    path = write(tmp_path, "ring.csv", "ann,bob,2024-03-01\nbob,cat,2024-03-02\ncat,ann,2024-03-03\n")
    log, report = read_log(path)
    assert report.columns == {"user": 0, "time": 2, "target": 1} and log.people == 3
    assert not any("alias" in w for w in report.warnings)


def test_times_without_a_zone_warn_naming_the_zone_assumed(tmp_path):
    path = write(tmp_path, "local.csv", "user,time\nann,2024-03-01 10:00\nbob,2024-03-02 10:00\n")
    _, report = read_log(path, timezone="Asia/Shanghai")
    assert any("no time zone" in w and "Asia/Shanghai" in w for w in report.warnings)
    _, report = read_log(write(tmp_path, "unix.csv", "user,time\nann,1709280000\nbob,1709366400\n"))
    assert not report.warnings, "Unix time has a zone: UTC"
    _, report = read_log(write(tmp_path, "zoned.csv", "user,time\nann,2024-03-01T10:00:00+08:00\n"
                                                      "bob,2024-03-02T10:00:00+08:00\n"))
    assert not report.warnings, "times with an offset need no assumption"


def test_an_excel_workbook_with_chinese_headers_and_date_cells(tmp_path):
    import datetime as dt

    import pandas as pd

    sheet = pd.DataFrame({"用户ID": [101, 102, 101, 103], "昵称": ["甲", "乙", "甲", "丙"],
                          "接收者": [102, 101, 103, 101],
                          "发送时间": [dt.datetime(2024, 3, 1, 9, 0), dt.datetime(2024, 3, 1, 21, 30),
                                   dt.datetime(2024, 3, 3, 8, 0), dt.datetime(2024, 3, 4, 12, 0)]})
    path = tmp_path / "群聊导出.xlsx"
    sheet.to_excel(path, index=False)
    log, read = read_log(path, timezone="Asia/Shanghai", day_start="midnight")
    assert read.header and read.columns == {"user": "用户ID", "time": "发送时间", "target": "接收者"}
    assert read.format() == "an Excel workbook's first sheet" and "昵称" in read.ignored_columns
    assert read.rows == 4 and read.active_people == 3 and read.days == 4  # 1 to 4 March, calendar days
    assert any("Asia/Shanghai" in w for w in read.warnings)  # date cells carry no zone


def test_a_file_named_xlsx_that_is_not_a_workbook_is_explained(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_text("user,time\na,2024-01-01\n")
    with pytest.raises(LogFileError, match=r"export\.xlsx: not a readable Excel workbook .*export it as CSV"):
        read_log(path)
