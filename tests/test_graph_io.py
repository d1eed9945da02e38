import networkx as nx
import pytest

from commsim.sim.graph_io import GraphFileError, load_graph

from conftest import run_here


def test_csv_with_header_comments_and_string_labels(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("source,target,weight\n# a comment\nalice,bob,1\nbob,carol,2\n\nalice,bob,3\ncarol,carol,1\n"
                    "# Nodes: 3, Edges: 2\n")
    g = load_graph(path)
    assert g.n == 3 and g.n_edges == 2
    assert g.labels.tolist() == ["alice", "bob", "carol"]
    assert sorted(g.neighbours(1).tolist()) == [0, 2]


def test_tsv_and_whitespace_edge_lists(tmp_path):
    path = tmp_path / "edges.tsv"
    path.write_text("1\t2\n2\t3\n3 4\n")
    g = load_graph(path)
    assert (g.n, g.n_edges) == (4, 3)


def test_graphml_round_trip(tmp_path):
    path = tmp_path / "club.graphml"
    nx.write_graphml(nx.karate_club_graph(), path)
    g = load_graph(path)
    assert (g.n, g.n_edges) == (34, 78)


def test_wrong_column_count_names_file_and_line(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("source,target\n1,2\n3\n")
    with pytest.raises(GraphFileError, match=r"edges\.csv, line 3: 1 field where the other lines have 2 \(comma-separated\)"):
        load_graph(path)


def test_empty_file_missing_file_and_unknown_suffix(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("# nothing\n")
    with pytest.raises(GraphFileError, match="no rows"):
        load_graph(empty)
    with pytest.raises(GraphFileError, match="no such file"):
        load_graph(tmp_path / "missing.csv")
    odd = tmp_path / "g.xlsx"
    odd.write_text("x")
    with pytest.raises(GraphFileError, match="cannot tell the format"):
        load_graph(odd)


def test_broken_graphml_names_the_line(tmp_path):
    path = tmp_path / "bad.graphml"
    path.write_text('<?xml version="1.0"?>\n<graphml>\n<graph>\n<node id="a">\n</graphml>\n')
    with pytest.raises(GraphFileError, match=r"bad\.graphml, line \d+: not valid GraphML"):
        load_graph(path)


def test_binary_file_is_reported(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_bytes(b"\xff\xfe\x00\x01,2\n")
    with pytest.raises(GraphFileError, match="line 1: not UTF-8 text"):
        load_graph(path)


def test_a_run_on_a_user_file_and_on_a_bad_one(tmp_path):
    good = tmp_path / "club.csv"
    good.write_text("".join(f"{u},{v}\n" for u, v in nx.karate_club_graph().edges()))
    out = tmp_path / "run"
    assert run_here(out, "network=file", f"network.path={good}", "days=10")["people"] == 34
    assert (out / "DONE").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n2\n")
    out2 = tmp_path / "run2"
    with pytest.raises(GraphFileError, match="bad.csv, line 2"):
        run_here(out2, "network=file", f"network.path={bad}", "days=10")
    assert not (out2 / "DONE").exists() and not (out2 / "summary.json").exists()


@pytest.mark.parametrize("name, content, people, ties", [
    ("bom.csv", "\ufeff1,2\n2,3\n3,1\n", ["1", "2", "3"], 3),  # Excel's CSV UTF-8: no '\ufeff1'
    ("r.csv", '"from","to"\n"a","b"\n"b","c"\n', ["a", "b", "c"], 2),  # R's write.csv: a header, not a tie
    ("quoted.csv", '"Smith, John",alice\nalice,bob\n', ["Smith, John", "alice", "bob"], 2),
    ("ids.csv", "member_id,friend_id\n1,2\n2,3\n", ["1", "2", "3"], 2),  # a header of any words
    ("names.tsv", "Ann Lee\tBob Smith\nBob Smith\tCy D\n", ["Ann Lee", "Bob Smith", "Cy D"], 2),
    ("semi.csv", "a;b\nb;c\n", ["a", "b", "c"], 2),
    ("crlf.csv", "source,target,weight\r\n007,7,1\r\n7,8,2\r\n", ["007", "7", "8"], 2),  # ids are labels
])
def test_real_exports_are_read_as_written(tmp_path, name, content, people, ties):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    g = load_graph(path)
    assert sorted(g.labels) == sorted(people) and g.n_edges == ties


def test_the_header_can_be_forced_either_way_and_the_read_is_reported(tmp_path, caplog):
    path = tmp_path / "pairs.csv"
    path.write_text("x,y\na,b\nb,c\n")
    assert load_graph(path).n == 3, "x,y names nobody else: a header"
    assert load_graph(path, header=False).n == 5
    with caplog.at_level("INFO", logger="commsim"):
        load_graph(tmp_path / "pairs.csv", header=True)
    assert "3 people, 2 ties" in caplog.text and "header ['x', 'y']" in caplog.text
