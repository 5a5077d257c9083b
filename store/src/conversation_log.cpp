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

// A slot keeps its buffers between records, but not a rare long question's: a ring of 10,000
// slots must not end up holding 10,000 of the longest questions ever asked.
constexpr std::size_t kept_question_capacity = 512;

}  // namespace

// The queue is a ring of preallocated slots. record_copy() copies into a slot's strings,
// which keep their buffers from one record to the next; the writer writes the slots where they
// are. So a steady state allocates nothing, on the answering threads or the writer.
struct conversation_log::impl {
  impl(std::unique_ptr<detail::database> database, log_options o)
      : options(std::move(o)),
        db(std::move(database)),
        capacity(std::max<std::size_t>(options.queue_capacity, 1)),
        full_batch(std::min(max_batch, capacity)),
        ring(capacity + full_batch) {}

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
  const std::size_t capacity;    // records waiting, at most
  const std::size_t full_batch;  // a batch the writer writes without lingering
  // [head, head + in_flight) are being written, [head + in_flight, ... + size) wait: the writer
  // writes a batch where it lies while the queue keeps its full capacity for what comes next.
  std::vector<question_record> ring;
  std::size_t head = 0, in_flight = 0, size = 0;
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
  std::vector<const question_record*> batch;
  batch.reserve(max_batch);
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
    // The slots [head, head + n) are ours until head moves past them: record() only fills slots
    // past head + in_flight + size. So they are written where they are, without the lock, which
    // record() then never waits for longer than a copy into a slot.
    const std::size_t first = head, n = std::min(size, max_batch);
    in_flight = n;
    size -= n;
    lock.unlock();
    for (std::size_t i = 0; i < n; ++i) batch.push_back(&ring[(first + i) % ring.size()]);

    status written_ok;
    if (!batch.empty()) {
      written_ok = db->insert(batch);
      if (!written_ok) {
        db->recover();
        report("conversation log: " + std::to_string(batch.size()) + " records lost: " + written_ok.message());
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      auto& slot = ring[(first + i) % ring.size()];
      if (slot.question.capacity() > kept_question_capacity) std::string().swap(slot.question);
    }
    if (periodic && clock::now() >= next_purge) {
      if (auto s = purge(); !s) report("conversation log: " + s.message());
      next_purge = clock::now() + options.retention_every;
    }

    lock.lock();
    head = (head + n) % ring.size();
    in_flight = 0;
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
    if (q.size == q.capacity || q.stopping) {
      ++q.dropped;
      return false;
    }
    q.ring[(q.head + q.in_flight + q.size) % q.ring.size()] = std::move(r);
    ++q.size;
    ++q.accepted;
    // The writer waits for the first record, then lingers until a batch is full: only those two
    // moments can end a wait, so only they pay for a wake-up.
    if (q.size != 1 && q.size != q.full_batch) return true;
  }
  q.wake.notify_one();
  return true;
}

bool conversation_log::record_copy(const question_view& v) noexcept {
  auto& q = *impl_;
  bool wake_writer = false;
  {
    std::lock_guard lock(q.mu);
    if (q.size == q.capacity || q.stopping) {
      ++q.dropped;
      return false;
    }
    auto& slot = q.ring[(q.head + q.in_flight + q.size) % q.ring.size()];
    try {
      slot.at = v.at;
      if (q.options.store_questions)
        slot.question.assign(v.question);
      else
        slot.question.clear();
      slot.topics.resize(v.topics.size());
      for (std::size_t i = 0; i < v.topics.size(); ++i) slot.topics[i].assign(v.topics[i]);
      slot.confidence = v.confidence;
      slot.fallback = v.fallback;
      slot.knowledge_version.assign(v.knowledge_version);
      slot.conversation.assign(v.conversation);
    } catch (const std::bad_alloc&) {  // out of memory: this record is dropped, not the server
      ++q.dropped;
      return false;
    }
    ++q.size;
    ++q.accepted;
    wake_writer = q.size == 1 || q.size == q.full_batch;  // as in record(question_record)
  }
  if (wake_writer) q.wake.notify_one();
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
