# Records what real Elixir (1.14, OTP 25) gives for each expression of
# inputs.txt (one per line; blank lines and lines starting with "#" are
# skipped) into expressions.txt, which tests/lang_expressions.rs checks our
# interpreter against. Run: elixir tests/elixir/record.exs (from the repo).
#
# Each case is two lines: the expression, then "=> " and either the value as
# inspect/1 prints it or the exception as Elixir prints an uncaught one
# ("** (MatchError) …", "** (throw) :ball", "** (exit) :normal"), with
# newlines written as \n.
dir = Path.dirname(__ENV__.file)
input = Path.join(dir, "inputs.txt")
output = Path.join(dir, "expressions.txt")

Code.put_compiler_option(:ignore_module_conflict, true)

result = fn expr ->
  try do
    {v, _} = Code.eval_string(expr)
    inspect(v)
  rescue
    e -> "** (#{inspect(e.__struct__)}) #{Exception.message(e)}"
  catch
    :throw, v -> "** (throw) #{inspect(v)}"
    :exit, v -> "** (exit) #{inspect(v)}"
  end
end

cases =
  input
  |> File.read!()
  |> String.split("\n")
  |> Enum.reject(&(String.trim(&1) == "" or String.starts_with?(&1, "#")))

out =
  for expr <- cases do
    # Each case runs in its own process, so a mailbox never leaks into the next.
    task = Task.async(fn -> result.(expr) end)
    r = Task.await(task, 10_000)
    expr <> "\n=> " <> String.replace(r, "\n", "\\n") <> "\n"
  end

File.write!(output, out)
IO.puts("recorded #{length(cases)} expressions into #{output}")
