# A call loop in the Elixir subset: a client makes 100,000 GenServer calls.
# Run by bench/lang/run.sh on the BEAM (elixir) and on otpsim (otpsim eval).
defmodule CallLoop do
  use GenServer
  def init(n), do: {:ok, n}
  def handle_call(:inc, _from, n), do: {:reply, n + 1, n + 1}

  def run(_pid, 0), do: :done
  def run(pid, k) do
    GenServer.call(pid, :inc)
    run(pid, k - 1)
  end
end

{:ok, pid} = GenServer.start_link(CallLoop, 0)
CallLoop.run(pid, 100_000)
GenServer.call(pid, :inc)
