#include "base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ferry {

void InitLogging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("ferry");
  logger->set_pattern("%^%l%$: %v");
  spdlog::level::level_enum level = spdlog::level::warn;
  if (verbosity < 0) level = spdlog::level::err;
  if (verbosity == 1) level = spdlog::level::info;
  if (verbosity >= 2) level = spdlog::level::debug;
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

}  // namespace ferry
