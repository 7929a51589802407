# A message ring in the Elixir subset: 100 processes pass a token 100,000
# hops. Run by bench/lang/run.sh on the BEAM and on otpsim.
defmodule Ring do
  def relay(next) do
    receive do
      {:token, k} ->
        send(next, {:token, k})
        relay(next)
    end
  end

  def build(0, next), do: next
  def build(n, next), do: build(n - 1, spawn(fn -> relay(next) end))

  def run(n, hops) do
    first = build(n, self())
    send(first, {:token, hops})
    wait(first)
  end

  def wait(first) do
    receive do
      {:token, 0} -> :done
      {:token, k} ->
        send(first, {:token, k - 1})
        wait(first)
    end
  end
end

Ring.run(100, 1_000)
