# Records where real Elixir (1.14) reports each source of syntax_inputs.txt
# as unparsable, and what it says, into syntax_errors.txt: the source (with
# newlines as \n), then "=> line:column: message". Checked by
# tests/lang_syntax.rs. Run: elixir tests/elixir/record_syntax.exs
dir = Path.dirname(__ENV__.file)

cases =
  Path.join(dir, "syntax_inputs.txt")
  |> File.read!()
  |> String.split("\n")
  |> Enum.reject(&(String.trim(&1) == "" or String.starts_with?(&1, "#")))

out =
  for line <- cases do
    src = String.replace(line, "\\n", "\n")
    shown =
      case Code.string_to_quoted(src) do
        {:ok, _} -> "ok"
        {:error, {meta, {pre, post}, tok}} -> "#{meta[:line]}:#{meta[:column]}: #{pre}#{tok}#{post}"
        # An expression cut short reads as eval_string/1 reports it.
        {:error, {meta, "syntax error before: ", ""}} ->
          "#{meta[:line]}:#{meta[:column]}: syntax error: expression is incomplete"

        {:error, {meta, msg, tok}} -> "#{meta[:line]}:#{meta[:column]}: #{msg}#{tok}"
      end
    line <> "\n=> " <> shown <> "\n"
  end

File.write!(Path.join(dir, "syntax_errors.txt"), out)
IO.puts("recorded #{length(cases)} syntax errors")
