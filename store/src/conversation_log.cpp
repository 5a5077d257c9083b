#include "advisor/store/conversation_log.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "database.hpp"

namespace advisor::store {

namespace {

// Records per transaction: big enough that a busy server's writes cost a few commits a second,
// small enough that one batch never holds the database for long.
constexpr std::size_t max_batch = 256;

// Group commit: once a record arrives, the writer waits this long for more before it writes (or
// until a full batch is queued). Without it, a busy server wakes the writer for every answer and
// commits one row at a time, which cost ~8 µs of CPU per answer in bench/server-vs-echo.
constexpr auto linger = std::chrono::milliseconds(20);

}  // namespace

// The queue is a ring of preallocated slots: record() moves into a slot, the writer moves out of
// it, so a moved-from slot holds no memory and a steady state allocates nothing.
struct conversation_log::impl {
  impl(std::unique_ptr<detail::database> database, log_options o)
      : options(std::move(o)),
        db(std::move(database)),
        ring(std::max<std::size_t>(options.queue_capacity, 1)),
        full_batch(std::min(max_batch, ring.size())) {}

  void run();
  status purge();
  void report(const std::string& message) const {
    if (!options.on_error) return;
    try {
      options.on_error(message);
    } catch (...) {  // a logger that throws must not take the writer down
    }
  }

  const log_options options;
  const std::unique_ptr<detail::database> db;  // the writer thread's, once it runs

  mutable std::mutex mu;
  std::condition_variable wake;      // the writer: records queued, or stopping
  std::condition_variable progress;  // flush(): a batch finished
  std::vector<question_record> ring;
  const std::size_t full_batch;  // a batch the writer writes without lingering
  std::size_t head = 0, size = 0;
  std::uint64_t accepted = 0;  // records ever queued
  std::uint64_t finished = 0;  // of which written, failed or dropped by the drain
  std::uint64_t written = 0, dropped = 0, failed = 0;
  std::size_t flushers = 0;  // flush() calls waiting: no lingering meanwhile
  bool stopping = false;
  std::chrono::steady_clock::time_point drain_deadline;
  std::thread writer;
};

status conversation_log::impl::purge() {
  if (options.retention.count() <= 0) return {};
  const auto cutoff = std::chrono::system_clock::now() - options.retention;
  auto r = db->query("DELETE FROM questions WHERE at_ms < $1", {detail::to_millis(cutoff)});
  if (!r) {
    db->recover();
    return status::error("deleting rows older than the retention failed: " + r.error().message());
  }
  return {};
}

void conversation_log::impl::run() {
  using clock = std::chrono::steady_clock;
  const bool periodic = options.retention.count() > 0 && options.retention_every.count() > 0;
  auto next_purge = clock::now() + options.retention_every;
  auto has_work = [&] { return size > 0 || stopping; };
  std::vector<question_record> batch;
  batch.reserve(full_batch);
  std::unique_lock lock(mu);
  for (;;) {
    if (periodic) {
      wake.wait_until(lock, next_purge, has_work);
    } else {
      wake.wait(lock, has_work);
    }
    if (size > 0 && size < full_batch && !stopping && flushers == 0)
      wake.wait_until(lock, clock::now() + linger,
                      [&] { return size >= full_batch || stopping || flushers > 0; });
    if (stopping && (size == 0 || clock::now() >= drain_deadline)) {
      // Whatever the drain could not write in time is dropped, and counted as such.
      dropped += size;
      finished += size;
      for (; size > 0; --size, head = (head + 1) % ring.size()) ring[head] = question_record{};
      progress.notify_all();
      return;
    }
    // The slots [head, head + n) stay ours while `size` still counts them: record() only fills
    // slots past head + size. So the records are moved out without the lock, which record()
    // then never waits for longer than a few counter updates.
    const std::size_t first = head, n = std::min(size, max_batch);
    lock.unlock();
    for (std::size_t i = 0; i < n; ++i) batch.push_back(std::move(ring[(first + i) % ring.size()]));
    lock.lock();
    head = (head + n) % ring.size();
    size -= n;
    lock.unlock();

    status written_ok;
    if (!batch.empty()) {
      written_ok = db->insert(batch);
      if (!written_ok) {
        db->recover();
        report("conversation log: " + std::to_string(batch.size()) + " records lost: " + written_ok.message());
      }
    }
    if (periodic && clock::now() >= next_purge) {
      if (auto s = purge(); !s) report("conversation log: " + s.message());
      next_purge = clock::now() + options.retention_every;
    }

    lock.lock();
    (written_ok ? written : failed) += batch.size();
    finished += batch.size();
    batch.clear();
    progress.notify_all();
  }
}

result<std::unique_ptr<conversation_log>> conversation_log::open(const std::string& where, log_options options) {
  detail::open_options o;
  o.busy_timeout = options.busy_timeout;
  auto db = detail::open_database(where, o);
  if (!db) return db.error();
  auto p = std::make_unique<impl>(std::move(*db), std::move(options));
  if (auto s = p->purge(); !s) return status::error(redact(where) + ": " + s.message());
  p->writer = std::thread([raw = p.get()] { raw->run(); });
  return std::unique_ptr<conversation_log>(new conversation_log(std::move(p)));
}

conversation_log::conversation_log(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

conversation_log::~conversation_log() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    impl_->drain_deadline = std::chrono::steady_clock::now() + impl_->options.drain_timeout;
  }
  impl_->wake.notify_all();
  impl_->writer.join();
}

bool conversation_log::record(question_record r) noexcept {
  if (!impl_->options.store_questions) std::string().swap(r.question);  // frees, never allocates
  auto& q = *impl_;
  {
    std::lock_guard lock(q.mu);
    if (q.size == q.ring.size() || q.stopping) {
      ++q.dropped;
      return false;
    }
    q.ring[(q.head + q.size) % q.ring.size()] = std::move(r);
    ++q.size;
    ++q.accepted;
    // The writer waits for the first record, then lingers until a batch is full: only those two
    // moments can end a wait, so only they pay for a wake-up.
    if (q.size != 1 && q.size != q.full_batch) return true;
  }
  q.wake.notify_one();
  return true;
}

conversation_log::counters conversation_log::stats() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->written, impl_->dropped, impl_->failed, impl_->size};
}

void conversation_log::flush() {
  std::unique_lock lock(impl_->mu);
  const auto target = impl_->accepted;
  ++impl_->flushers;
  impl_->wake.notify_one();  // a lingering writer writes now
  impl_->progress.wait(lock, [&] { return impl_->finished >= target; });
  --impl_->flushers;
}

}  // namespace advisor::store
