# The M/M/S chat model of scripts/bench-simulate in idiomatic SimPy: λ = 1/min, exponential
# 12-minute handle time, 15 slots, optional exponential patience. Usage: python bench-simulate-mms.py N [PATIENCE_SECONDS]
import simpy, random, time, sys
N = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
LAM, MU, S = 1/60, 1/720, 15
PATIENCE = float(sys.argv[2]) if len(sys.argv) > 2 else None
rng = random.Random(1)
waits = []
abandoned = 0
def customer(env, res):
    global abandoned
    t0 = env.now
    with res.request() as req:
        if PATIENCE:
            r = yield req | env.timeout(rng.expovariate(1/PATIENCE))
            if req not in r:
                abandoned += 1
                return
        else:
            yield req
        waits.append(env.now - t0)
        yield env.timeout(rng.expovariate(MU))
def source(env, res):
    for i in range(N):
        env.process(customer(env, res))
        yield env.timeout(rng.expovariate(LAM))
env = simpy.Environment()
res = simpy.Resource(env, capacity=S)
env.process(source(env, res))
t = time.perf_counter(); env.run(); el = time.perf_counter() - t
print(f"{N} arrivals in {el:.2f}s = {N/el:.0f}/s; P(wait)={sum(1 for w in waits if w>0)/len(waits):.4f} mean wait={sum(waits)/len(waits):.1f}s abandoned={abandoned/N:.4f}")
