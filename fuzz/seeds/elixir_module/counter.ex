defmodule Counter do
  use GenServer
  def init(n), do: {:ok, n}
  def handle_call(:inc, _f, n), do: {:reply, n + 1, n + 1}
end
