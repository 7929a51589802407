# Records how real Elixir (1.14, OTP 25) runs each scenario of
# genserver_scenarios.exs into genserver_scenarios.txt, which
# tests/lang_genservers.rs checks otpsim against. Each scenario starts its
# module under a one_for_one supervisor (the child registered as :w), runs
# the steps and writes one line per step: the step, what the caller got,
# whether the child was restarted (a new pid), is alive, and whether the
# supervisor is alive. Exceptions show as "Kind: message", so the line does
# not depend on struct field order or pids.
# Run: elixir tests/elixir/record_genservers.exs
dir = Path.dirname(__ENV__.file)
{scenarios, _} = Code.eval_file(Path.join(dir, "genserver_scenarios.exs"))
Code.put_compiler_option(:ignore_module_conflict, true)
Logger.configure(level: :none)
Process.flag(:trap_exit, true)

short = fn
  {e, stack} when is_exception(e) and is_list(stack) -> "#{inspect(e.__struct__)}: #{Exception.message(e)}"
  {reason, stack} when is_list(stack) -> inspect(reason)
  other -> inspect(other)
end

out =
  for s <- scenarios do
    Code.compile_string(s.module)
    child = %{id: :w, start: {GenServer, :start_link, [W, s.arg, [name: :w]]}, restart: s.restart}
    {:ok, sup} = Supervisor.start_link([child], strategy: :one_for_one, max_restarts: s.intensity, max_seconds: 5)
    Process.sleep(10)

    lines =
      for step <- s.steps do
        before = Process.whereis(:w)
        got =
          case step do
            {:call, req} ->
              try do
                "reply " <> inspect(GenServer.call(:w, req, 1000))
              catch
                :exit, {reason, {GenServer, :call, _}} -> "exit " <> short.(reason)
              end

            {:cast, msg} ->
              GenServer.cast(:w, msg)
              "ok"

            {:send, msg} ->
              if before, do: send(:w, msg)
              "ok"

            {:sleep, ms} ->
              Process.sleep(ms)
              "ok"

            {:kill, reason} ->
              if before, do: Process.exit(before, reason)
              "ok"
          end

        Process.sleep(20)
        now = Process.whereis(:w)
        restarted = before != nil and now != nil and before != now
        "#{inspect(step)} -> #{got} | restarted: #{restarted} | alive: #{now != nil} | supervisor: #{Process.alive?(sup)}"
      end

    if Process.alive?(sup), do: Supervisor.stop(sup)
    # Drain the supervisor's EXIT so the next scenario starts clean.
    receive do
      {:EXIT, ^sup, _} -> :ok
    after
      100 -> :ok
    end

    "## " <> s.name <> "\n" <> Enum.join(lines, "\n") <> "\n"
  end

File.write!(Path.join(dir, "genserver_scenarios.txt"), out)
IO.puts("recorded #{length(scenarios)} scenarios")
