#pragma once
// The peer of the volume benchmark: ITK's ImageSeriesReader with GDCMImageIO (files ordered by
// GDCMSeriesFileNames), in its own translation unit (ITK templates compile slowly).
#include <string>

// Reads the series in `folder`; returns the voxel count, 0 on failure.
std::size_t itkReadSeries(const std::string& folder);
