# GenServer scenarios, read both by real Elixir (record_genservers.exs) and
# by otpsim's interpreter (tests/lang_genservers.rs): each is a module under
# a one_for_one supervisor (registered as :w, started with `arg`), and steps
# sent to it from outside. Steps: {:call, request}, {:cast, message},
# {:send, message}, {:sleep, ms}, {:kill, reason} (an exit signal).
[
  %{
    name: "counter: calls and casts",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(n), do: {:ok, n}
      def handle_call(:get, _from, n), do: {:reply, n, n}
      def handle_call(:inc, _from, n), do: {:reply, n + 1, n + 1}
      def handle_cast({:add, k}, n), do: {:noreply, n + k}
    end",
    steps: [{:call, :get}, {:call, :inc}, {:cast, {:add, 10}}, {:call, :get}]
  },
  %{
    name: "counter: a raise in handle_call restarts it with the initial state",
    arg: 5,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(n), do: {:ok, n}
      def handle_call(:inc, _from, n), do: {:reply, n + 1, n + 1}
      def handle_call(:boom, _from, _n), do: raise(\"boom\")
    end",
    steps: [{:call, :inc}, {:call, :inc}, {:call, :boom}, {:call, :inc}]
  },
  %{
    name: "arithmetic error in a cast",
    arg: 10,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(n), do: {:ok, n}
      def handle_call(:get, _from, n), do: {:reply, n, n}
      def handle_cast({:div, d}, n), do: {:noreply, div(n, d)}
    end",
    steps: [{:cast, {:div, 2}}, {:call, :get}, {:cast, {:div, 0}}, {:call, :get}]
  },
  %{
    name: "bad match in handle_info",
    arg: :ok,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_info({:expect, x}, s) do
        {:ok, _} = x
        {:noreply, s}
      end
      def handle_call(:ping, _from, s), do: {:reply, :pong, s}
    end",
    steps: [{:send, {:expect, {:ok, 1}}}, {:call, :ping}, {:send, {:expect, :error}}, {:call, :ping}]
  },
  %{
    name: "too many restarts take the supervisor down",
    arg: nil,
    restart: :permanent,
    intensity: 2,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:crash, _from, _s), do: raise(\"again\")
    end",
    steps: [{:call, :crash}, {:call, :crash}, {:call, :crash}, {:call, :crash}]
  },
  %{
    name: "a temporary child is not restarted",
    arg: 1,
    restart: :temporary,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:crash, _from, s), do: {:reply, s.nope, s}
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:call, :get}, {:call, :crash}, {:call, :get}]
  },
  %{
    name: "a transient child stopping normally is not restarted",
    arg: 1,
    restart: :transient,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:stop, _from, s), do: {:stop, :normal, :stopping, s}
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:call, :get}, {:call, :stop}, {:call, :get}]
  },
  %{
    name: "a transient child crashing is restarted",
    arg: 1,
    restart: :transient,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:stop, _from, s), do: {:stop, :bad_thing, :stopping, s}
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:call, :get}, {:call, :stop}, {:call, :get}]
  },
  %{
    name: "stack: push and pop, pop on empty crashes with a function clause error",
    arg: [],
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call({:push, x}, _from, s), do: {:reply, :ok, [x | s]}
      def handle_call(:pop, _from, [h | t]), do: {:reply, h, t}
    end",
    steps: [{:call, {:push, 1}}, {:call, {:push, 2}}, {:call, :pop}, {:call, :pop}, {:call, :pop}, {:call, {:push, 3}}, {:call, :pop}]
  },
  %{
    name: "a throw in a callback",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:throw, _from, _s), do: throw(:oops)
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:call, :throw}, {:call, :get}]
  },
  %{
    name: "exit in a callback",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_cast(:leave, _s), do: exit(:leaving)
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:cast, :leave}, {:call, :get}]
  },
  %{
    name: "an undefined handle_call is a crash",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
    end",
    steps: [{:call, :anything}, {:send, :ignored_info}]
  },
  %{
    name: "an unmatched call clause",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:known, _from, s), do: {:reply, :yes, s}
    end",
    steps: [{:call, :known}, {:call, :unknown}, {:call, :known}]
  },
  %{
    name: "a bad return value",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:bad, _from, s), do: {:wat, s}
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:call, :bad}, {:call, :get}]
  },
  %{
    name: "rate limiter with a timer",
    arg: 2,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(limit) do
        Process.send_after(self(), :refill, 100)
        {:ok, %{limit: limit, left: limit}}
      end
      def handle_call(:take, _from, %{left: 0} = s), do: {:reply, :denied, s}
      def handle_call(:take, _from, s), do: {:reply, :ok, %{s | left: s.left - 1}}
      def handle_info(:refill, s) do
        Process.send_after(self(), :refill, 100)
        {:noreply, %{s | left: s.limit}}
      end
    end",
    steps: [{:call, :take}, {:call, :take}, {:call, :take}, {:sleep, 150}, {:call, :take}]
  },
  %{
    name: "a key error in a map update",
    arg: %{a: 1},
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call({:set, k, v}, _from, s), do: {:reply, :ok, %{s | k => v}}
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:call, {:set, :a, 2}}, {:call, :get}, {:call, {:set, :b, 3}}, {:call, :get}]
  },
  %{
    name: "killed from outside",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:inc, _from, s), do: {:reply, s + 1, s + 1}
    end",
    steps: [{:call, :inc}, {:kill, :kill}, {:call, :inc}]
  },
  %{
    name: "a normal exit signal is ignored",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:inc, _from, s), do: {:reply, s + 1, s + 1}
    end",
    steps: [{:call, :inc}, {:kill, :normal}, {:call, :inc}]
  },
  %{
    name: "trap exits and handle the EXIT",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s) do
        Process.flag(:trap_exit, true)
        {:ok, s}
      end
      def handle_info({:EXIT, _pid, reason}, _s), do: {:noreply, {:got, reason}}
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:kill, :custom}, {:call, :get}, {:kill, :kill}, {:call, :get}]
  },
  %{
    name: "a call that times out",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:slow, _from, s) do
        Process.sleep(2000)
        {:reply, :late, s}
      end
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:call, :slow}, {:sleep, 2500}, {:call, :get}]
  },
  %{
    name: "noreply and a later reply",
    arg: nil,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(_), do: {:ok, nil}
      def handle_call(:wait, from, _s) do
        Process.send_after(self(), :answer, 50)
        {:noreply, from}
      end
      def handle_info(:answer, from) do
        GenServer.reply(from, :answered)
        {:noreply, nil}
      end
    end",
    steps: [{:call, :wait}, {:call, :wait}]
  },
  %{
    name: "init returning a timeout",
    arg: 0,
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s, 50}
      def handle_info(:timeout, s), do: {:noreply, s + 1}
      def handle_call(:get, _from, s), do: {:reply, s, s}
    end",
    steps: [{:sleep, 100}, {:call, :get}]
  },
  %{
    name: "state in a list, Enum in callbacks",
    arg: [3, 1, 2],
    restart: :permanent,
    intensity: 3,
    module: "defmodule W do
      use GenServer
      def init(s), do: {:ok, s}
      def handle_call(:sorted, _from, s), do: {:reply, Enum.sort(s), s}
      def handle_call({:add, x}, _from, s), do: {:reply, length(s) + 1, [x | s]}
      def handle_call(:sum, _from, s), do: {:reply, Enum.sum(s), s}
      def handle_call(:bad_sum, _from, s), do: {:reply, Enum.sum([:x | s]), s}
    end",
    steps: [{:call, :sorted}, {:call, {:add, 10}}, {:call, :sum}, {:call, :bad_sum}, {:call, :sum}]
  }
]
