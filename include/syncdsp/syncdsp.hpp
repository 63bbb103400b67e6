// syncdsp/syncdsp.hpp - everything syncdsp offers, one include.
#pragma once
#include "syncdsp/core.hpp"
#include "syncdsp/io.hpp"
