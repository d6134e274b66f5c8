#include "itk_series_read.h"

#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageSeriesReader.h>

std::size_t itkReadSeries(const std::string& folder)
{
    using Image = itk::Image<short, 3>;
    try {
        auto names = itk::GDCMSeriesFileNames::New();
        names->SetUseSeriesDetails(true);
        names->SetDirectory(folder);
        const auto uids = names->GetSeriesUIDs();
        if (uids.empty()) return 0;
        auto reader = itk::ImageSeriesReader<Image>::New();
        reader->SetImageIO(itk::GDCMImageIO::New());
        reader->SetFileNames(names->GetFileNames(uids.front()));
        reader->Update();
        return reader->GetOutput()->GetLargestPossibleRegion().GetNumberOfPixels();
    } catch (const itk::ExceptionObject& e) {
        return 0;
    }
}
