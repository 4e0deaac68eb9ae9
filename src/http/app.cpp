// Anchors Application's vtable in one TU.
#include "http/app.hpp"

namespace teamlog::http {

Application::~Application() = default;

}  // namespace teamlog::http
