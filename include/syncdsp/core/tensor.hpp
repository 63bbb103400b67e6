// syncdsp/core/tensor.hpp - the array types at syncdsp's API boundaries.
//
// Public functions take and return xtensor containers (row-major, owning); inside, linear algebra
// runs on Eigen maps over the same memory, so nothing is copied between the two libraries.
#pragma once

#include <cstddef>
#include <type_traits>

#include <Eigen/Core>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

namespace syncdsp {

/// Fixed-rank, row-major, owning N-d array (xtensor).
template <class T, std::size_t N>
using tensor = xt::xtensor<T, N>;

/// Dynamic-rank, row-major, owning array, used where the rank is only known at run time (NPY files).
template <class T>
using array = xt::xarray<T>;

/// Row-major Eigen matrix, the layout syncdsp tensors use.
template <class T>
using row_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Views a rank-2 tensor as an Eigen matrix without copying.
template <class T>
Eigen::Map<row_matrix<T>> as_eigen(tensor<T, 2>& t) {
    return Eigen::Map<row_matrix<T>>(t.data(), static_cast<Eigen::Index>(t.shape()[0]),
                                     static_cast<Eigen::Index>(t.shape()[1]));
}

template <class T>
Eigen::Map<const row_matrix<T>> as_eigen(const tensor<T, 2>& t) {
    return Eigen::Map<const row_matrix<T>>(t.data(), static_cast<Eigen::Index>(t.shape()[0]),
                                           static_cast<Eigen::Index>(t.shape()[1]));
}

/// Views a rank-1 tensor as an Eigen column vector without copying.
template <class T>
Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> as_eigen(tensor<T, 1>& t) {
    return Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>(t.data(),
                                                           static_cast<Eigen::Index>(t.size()));
}

template <class T>
Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> as_eigen(const tensor<T, 1>& t) {
    return Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(
        t.data(), static_cast<Eigen::Index>(t.size()));
}

}  // namespace syncdsp
